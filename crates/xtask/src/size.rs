//! How the benchmarks measure and print sizes: gzip at its best level, and KB of 1024 bytes.

use std::io::Write;

/// Bytes after `gzip -9`.
pub fn gzipped(bytes: &[u8]) -> Result<usize, String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(gz.finish().map_err(|e| e.to_string())?.len())
}

/// `12.3 KB`, where a KB is 1024 bytes.
pub fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_kb_is_1024_bytes() {
        assert_eq!(super::kb(1024), "1.0 KB");
        assert_eq!(super::kb(1536), "1.5 KB");
    }
}
