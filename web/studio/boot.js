// Starts the studio: loads wasm-bindgen's JS glue and the wasm module, whose hashed names
// Trunk writes into this script tag's data attributes (see Trunk.toml `pattern_script`).
// It is an external file, not an inline script, so the page's Content-Security-Policy needs
// no 'unsafe-inline'. Paths resolve against the page, so dist/ works under any sub-path.
const tag = document.querySelector('script[data-wasm]');
const status = document.getElementById('boot');
try {
  const base = document.baseURI;
  const { default: init } = await import(new URL(tag.dataset.js, base).href);
  await init({ module_or_path: new URL(tag.dataset.wasm, base).href });
} catch (error) {
  if (status) {
    status.setAttribute('role', 'alert');
    status.textContent = `The studio could not start in this browser: ${error}`;
  }
  console.error(error);
}
