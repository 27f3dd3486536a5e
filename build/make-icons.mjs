// Draws Veil's icons as PNGs with nothing but zlib, so they can be regenerated anywhere:
//   node build/make-icons.mjs
// App icon: build/icons/icon.png (1024) and 512x512.png; tray: build/icons/tray/tray-{on,off,error}[@2x].png
// plus macOS template images tray-{state}Template[@2x].png (black + alpha; the OS tints them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes RGBA pixels (size x size) as a PNG. */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Renders a shader (x, y in 0..1 → [r, g, b, a] or null) with 4x4 supersampling.
 * Later layers paint over earlier ones.
 */
function render(size, shader) {
  const out = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = shader((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
          if (!c) continue;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const i = (y * size + x) * 4;
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return out;
}

const dist = (x, y) => Math.hypot(x - 0.5, y - 0.5);
const ring = (x, y, r, w) => Math.abs(dist(x, y) - r) <= w / 2;
const disc = (x, y, r) => dist(x, y) <= r;
const slash = (x, y, w) => Math.abs(x - y) <= w / 2 && disc(x, y, 0.44);

function roundedSquare(x, y, radius) {
  const dx = Math.max(Math.abs(x - 0.5) - (0.5 - radius), 0);
  const dy = Math.max(Math.abs(y - 0.5) - (0.5 - radius), 0);
  return Math.hypot(dx, dy) <= radius;
}

/** The app icon: a dark tile with Veil's mark (a ring over a dot: something kept behind a veil). */
function appIcon(x, y) {
  if (ring(x, y, 0.3, 0.07) || disc(x, y, 0.11)) return [255, 255, 255, 1];
  if (roundedSquare(x, y, 0.2)) return [46, 49, 120, 1];
  return null;
}

const COLORS = { on: [46, 157, 91], off: [138, 138, 138], error: [214, 69, 69] };

/** Coloured tray icons (Linux, Windows): on is a filled mark, off a hollow one, error a struck-through one. */
function trayIcon(state, black) {
  const c = black ? [0, 0, 0] : COLORS[state];
  return (x, y) => {
    if (state === 'on' && (ring(x, y, 0.36, 0.16) || disc(x, y, 0.16))) return [...c, 1];
    if (state === 'off' && ring(x, y, 0.36, 0.12)) return [...c, 1];
    if (state === 'error' && (ring(x, y, 0.36, 0.12) || slash(x, y, 0.14))) return [...c, 1];
    return null;
  };
}

function write(rel, size, shader) {
  const path = join(here, 'icons', rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png(size, render(size, shader)));
}

write('icon.png', 1024, appIcon);
write('512x512.png', 512, appIcon);
write('256x256.png', 256, appIcon);
for (const state of ['on', 'off', 'error']) {
  write(`tray/tray-${state}.png`, 16, trayIcon(state, false));
  write(`tray/tray-${state}@2x.png`, 32, trayIcon(state, false));
  write(`tray/tray-${state}Template.png`, 16, trayIcon(state, true));
  write(`tray/tray-${state}Template@2x.png`, 32, trayIcon(state, true));
}
