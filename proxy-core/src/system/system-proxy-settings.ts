import { z } from 'zod';

export const systemProxySettings = z.object({
  /** Point the operating system at Veil while it runs. */
  enabled: z.boolean().default(false),
  mode: z.enum(['pac', 'manual']).default('pac'),
  /** Fail closed: if Veil dies, nothing goes direct. Fail open adds `DIRECT` as a fallback. */
  failClosed: z.boolean().default(true),
  /** Extra hosts that bypass Veil (besides localhost and private networks). */
  bypass: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        // every OS list is separated by commas or semicolons: one of them inside an entry splits it in two
        .regex(
          /^[^\s,;]+$/,
          'Each bypassed host is one name, address or range, e.g. intranet.example.com or 10.0.0.0/8.',
        ),
    )
    .default([]),
  /** Warn when another program changes the system proxy while Veil is on. */
  guard: z.boolean().default(true),
});

export type SystemProxySettings = z.infer<typeof systemProxySettings>;
