import { useEffect, useRef } from 'react';
import { useVeil } from '../store/store.js';

const WIDTH = 240;
const HEIGHT = 48;

/** Requests per second over the last minute; draws nothing while the window is hidden. */
export function RateGraph() {
  const samples = useVeil((s) => s.rateHistory);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const draw = () => {
      const el = canvas.current;
      if (!el || document.hidden) return;
      const ctx = el.getContext?.('2d');
      if (!ctx) return;
      const data = samples;
      const ratio = window.devicePixelRatio || 1;
      el.width = WIDTH * ratio;
      el.height = HEIGHT * ratio;
      ctx.scale(ratio, ratio);
      ctx.clearRect(0, 0, WIDTH, HEIGHT);
      const max = Math.max(1, ...data);
      const step = WIDTH / 59;
      const color = getComputedStyle(el).color;
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      // A faint baseline over the whole minute, so a quiet graph still reads as a graph.
      ctx.globalAlpha = 0.25;
      ctx.fillRect(0, HEIGHT - 1, WIDTH, 1);
      ctx.globalAlpha = 1;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      data.forEach((v, i) => {
        const x = WIDTH - (data.length - 1 - i) * step;
        const y = HEIGHT - 2 - (v / max) * (HEIGHT - 4);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.globalAlpha = 0.12;
      ctx.lineTo(WIDTH, HEIGHT);
      ctx.lineTo(WIDTH - (data.length - 1) * step, HEIGHT);
      ctx.fill();
      ctx.globalAlpha = 1;
    };
    draw();
    // Catch up once on becoming visible; nothing is drawn in between.
    document.addEventListener('visibilitychange', draw);
    return () => document.removeEventListener('visibilitychange', draw);
  }, [samples]);

  const last = samples.at(-1) ?? 0;
  return (
    <figure className="rate-graph">
      <canvas
        ref={canvas}
        style={{ width: WIDTH, height: HEIGHT }}
        role="img"
        aria-label={`Requests per second: ${last}`}
      />
      <figcaption>{last} req/s</figcaption>
    </figure>
  );
}
