// GWS timestamps carry a numeric offset without a colon ("…000-0700"), which Date.parse does
// not promise to read; this adds the colon so every browser parses it the same way.
export function parseGwsTime(s) {
  if (!s) return NaN;
  return Date.parse(String(s).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

export function clockTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
