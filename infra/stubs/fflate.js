// Stands in for fflate, which ccxt's WebSocket client imports (dynamically, errors ignored) to
// inflate compressed stream messages on platforms without node:zlib. tickfan runs on Node and
// speaks only REST, so neither branch ever inflates anything here.
const unreachable = () => {
  throw new Error('fflate is not bundled into tickfan functions: they use ccxt over REST only');
};

export const gunzipSync = unreachable;
export const inflateSync = unreachable;
