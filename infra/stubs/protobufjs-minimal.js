// Stands in for protobufjs/minimal(.js), an optional peer that ccxt reaches for dYdX and MEXC
// messages. tickfan trades on exchanges that never run that code, and without this stub esbuild
// cannot resolve the import.
export default {};
