// Stands in for ws, the WebSocket package ccxt's base class imports for its streaming (pro) API.
// tickfan speaks only REST, so nothing constructs a socket; both exports fail loudly if anything
// ever does, rather than the bundle carrying ~50 KB of ws (and its native-addon loaders) that no
// tick runs.
const unreachable = () => {
  throw new Error('ws is not bundled into tickfan functions: they use ccxt over REST only');
};

export default class WebSocket {
  constructor() {
    unreachable();
  }
}

export function createWebSocketStream() {
  unreachable();
}
