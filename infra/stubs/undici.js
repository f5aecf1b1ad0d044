// Stands in for undici, which ccxt imports dynamically for its keep-alive pool and falls back to
// Node's global fetch (the same engine) when the import fails. Failing here on purpose keeps
// ~0.5 MB out of every bundle and makes Lambda and the local runtime take the same fetch path.
throw new Error('undici is not bundled into tickfan functions; ccxt uses the global fetch');
