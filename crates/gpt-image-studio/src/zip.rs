//! A ZIP archive writer for "download the selection": every file STOREd as it is (images are
//! already compressed, so deflating them again would only cost time), with its CRC-32.
//!
//! Pure and small on purpose: a ZIP crate would bring a deflate implementation the studio
//! never needs into the wasm. No ZIP64: an archive stays under 4 GiB and 65,535 files, which
//! the caller is told about as an error instead of getting a broken file.

/// Why an archive could not be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZipError {
    /// More files than a ZIP without ZIP64 can list.
    TooManyFiles(usize),
    /// Bigger than a ZIP without ZIP64 can address.
    TooLarge,
    /// A file name longer than 65,535 bytes.
    NameTooLong(String),
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipError::TooManyFiles(n) => write!(
                f,
                "{n} files are more than one ZIP can hold (65,535): select fewer"
            ),
            ZipError::TooLarge => {
                f.write_str("the selection is over 4 GB, more than one ZIP can hold: select fewer")
            }
            ZipError::NameTooLong(name) => {
                write!(f, "the file name {name:.40}… is too long for a ZIP")
            }
        }
    }
}

/// The CRC-32 (IEEE, as in ZIP and PNG) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// MS-DOS time and date (UTC fields, 2-second precision) of `ms` since the Unix epoch, as
/// ZIP headers store them; dates before 1980 become 1980-01-01.
pub fn dos_time_date(ms: f64) -> (u16, u16) {
    let secs = if ms.is_finite() && ms > 0.0 {
        (ms / 1000.0) as i64
    } else {
        0
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if year < 1980 {
        return (0, (1 << 5) | 1);
    }
    let year = (year - 1980).min(127);
    let time = ((rem / 3600) << 11) | (((rem % 3600) / 60) << 5) | ((rem % 60) / 2);
    let date = (year << 9) | (month << 5) | day;
    (time as u16, date as u16)
}

/// Writes an archive of `files` (name, bytes), every one STOREd, dated `modified_ms`.
pub fn store(files: &[(String, Vec<u8>)], modified_ms: f64) -> Result<Vec<u8>, ZipError> {
    if files.len() > usize::from(u16::MAX) {
        return Err(ZipError::TooManyFiles(files.len()));
    }
    let (time, date) = dos_time_date(modified_ms);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, bytes) in files {
        let name_len =
            u16::try_from(name.len()).map_err(|_| ZipError::NameTooLong(name.clone()))?;
        let size = u32::try_from(bytes.len()).map_err(|_| ZipError::TooLarge)?;
        let offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
        let crc = crc32(bytes);
        // Version 2.0, flag bit 11: the name is UTF-8; method 0: stored.
        let common = |buf: &mut Vec<u8>| {
            put16(buf, 20);
            put16(buf, 1 << 11);
            put16(buf, 0);
            put16(buf, time);
            put16(buf, date);
            put32(buf, crc);
            put32(buf, size);
            put32(buf, size);
            put16(buf, name_len);
            put16(buf, 0);
        };
        put32(&mut out, 0x0403_4b50);
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);

        put32(&mut central, 0x0201_4b50);
        put16(&mut central, 20); // made by: version 2.0, MS-DOS attributes
        common(&mut central);
        put16(&mut central, 0); // comment length
        put16(&mut central, 0); // disk number
        put16(&mut central, 0); // internal attributes
        put32(&mut central, 0); // external attributes
        put32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
    let central_size = u32::try_from(central.len()).map_err(|_| ZipError::TooLarge)?;
    out.extend_from_slice(&central);
    let count = files.len() as u16;
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, central_size);
    put32(&mut out, central_offset);
    put16(&mut out, 0);
    u32::try_from(out.len()).map_err(|_| ZipError::TooLarge)?;
    Ok(out)
}

/// `names` made unique inside one archive: a repeated `fox-1.png` becomes `fox-1 (2).png`.
pub fn unique_names(names: Vec<String>) -> Vec<String> {
    // The names so far, searched in a list: a selection is a few dozen images at most, and a
    // `HashSet` would bring its own hashing code into the wasm.
    let mut seen: Vec<String> = Vec::with_capacity(names.len());
    let mut insert = |name: &String| {
        let new = !seen.contains(name);
        if new {
            seen.push(name.clone());
        }
        new
    };
    names
        .into_iter()
        .map(|name| {
            if insert(&name) {
                return name;
            }
            let (stem, ext) = match name.rsplit_once('.') {
                Some((s, e)) => (s.to_owned(), format!(".{e}")),
                None => (name.clone(), String::new()),
            };
            let mut n = 2;
            loop {
                let candidate = format!("{stem} ({n}){ext}");
                if insert(&candidate) {
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

fn put16(buf: &mut Vec<u8>, v: u16) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// Reads an archive back through its central directory, checking every CRC.
    fn read(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let end = zip.len() - 22;
        assert_eq!(u32_at(zip, end), 0x0605_4b50);
        let count = usize::from(u16_at(zip, end + 10));
        let mut at = u32_at(zip, end + 16) as usize;
        let mut files = vec![];
        for _ in 0..count {
            assert_eq!(u32_at(zip, at), 0x0201_4b50);
            assert_eq!(u16_at(zip, at + 10), 0, "stored");
            let crc = u32_at(zip, at + 16);
            let size = u32_at(zip, at + 20) as usize;
            let name_len = usize::from(u16_at(zip, at + 28));
            let local = u32_at(zip, at + 42) as usize;
            let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
            assert_eq!(u32_at(zip, local), 0x0403_4b50);
            let data_at = local + 30 + usize::from(u16_at(zip, local + 26));
            let data = zip[data_at..data_at + size].to_vec();
            assert_eq!(crc32(&data), crc, "{name}");
            files.push((name, data));
            at += 46 + name_len;
        }
        files
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn files_come_back_byte_for_byte() {
        let files = vec![
            (
                "fox-1.png".to_string(),
                vec![0x89, b'P', b'N', b'G', 0, 255],
            ),
            ("café-2.webp".to_string(), (0..=255u8).collect()),
            ("empty.jpg".to_string(), vec![]),
        ];
        let zip = store(&files, 1_763_800_000_000.0).unwrap();
        assert_eq!(read(&zip), files);
        // Stored, not compressed: the archive is the files plus headers.
        let payload: usize = files.iter().map(|(_, b)| b.len()).sum();
        assert!(zip.len() > payload);
        assert_eq!(store(&[], 0.0).unwrap().len(), 22);
    }

    #[test]
    fn dates_are_dos_dates() {
        // 2026-11-22 20:30:10 UTC.
        let (time, date) = dos_time_date(1_795_379_410_000.0);
        assert_eq!((date >> 9) + 1980, 2026);
        assert_eq!((date >> 5) & 0xF, 11);
        assert_eq!(date & 0x1F, 22);
        assert_eq!(
            (time >> 11, (time >> 5) & 0x3F, (time & 0x1F) * 2),
            (20, 30, 10)
        );
        assert_eq!(dos_time_date(0.0), (0, 33));
        assert_eq!(dos_time_date(f64::NAN), (0, 33));
    }

    #[test]
    fn repeated_names_get_a_number() {
        let names = vec![
            "fox-1.png".into(),
            "fox-1.png".into(),
            "x".into(),
            "x".into(),
            "fox-1.png".into(),
        ];
        assert_eq!(
            unique_names(names),
            ["fox-1.png", "fox-1 (2).png", "x", "x (2)", "fox-1 (3).png"]
        );
    }

    #[test]
    fn limits_are_errors_not_broken_files() {
        let long = "n".repeat(70_000);
        assert!(matches!(
            store(&[(long, vec![])], 0.0),
            Err(ZipError::NameTooLong(_))
        ));
        assert!(
            ZipError::TooManyFiles(70_000)
                .to_string()
                .contains("select fewer")
        );
    }
}
