import { z } from 'zod';

/** A host pattern as settings write it: `example.com`, `*.example.com` or `*`. */
export const hostPattern = z
  .string()
  .trim()
  .min(1)
  .regex(/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$|^\*$/i, 'Use a host name like example.com or *.example.com');
