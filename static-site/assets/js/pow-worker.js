// Proof-of-work solver (runs in a Web Worker so the page stays responsive).
// Finds a decimal nonce such that SHA-256(challenge + ":" + nonce) starts with `difficulty` zero bits.

const BATCH = 512;
const encoder = new TextEncoder();

function leadingZeroBits(bytes, needed) {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      if (bits >= needed) return bits;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

async function solve(challenge, difficulty) {
  for (let start = 0; ; start += BATCH) {
    const digests = await Promise.all(
      Array.from({ length: BATCH }, (_, i) =>
        crypto.subtle.digest("SHA-256", encoder.encode(`${challenge}:${start + i}`)),
      ),
    );
    for (let i = 0; i < BATCH; i += 1) {
      if (leadingZeroBits(new Uint8Array(digests[i]), difficulty) >= difficulty) return String(start + i);
    }
  }
}

self.onmessage = async (event) => {
  const { challenge, difficulty } = event.data;
  try {
    if (!self.crypto?.subtle) throw new Error("no-subtle-crypto");
    self.postMessage({ nonce: await solve(challenge, difficulty) });
  } catch (error) {
    self.postMessage({ error: String(error?.message || error) });
  }
};
