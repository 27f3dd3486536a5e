/**
 * Veil's engine with one privacy profile compiled into its policy, in its own process so
 * the load generator and the origin do not share its event loop. Usage: PROFILE
 */
import { type Settings, settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { compilePrivacy } from '../../proxy-core/src/privacy/privacy-policy.js';
import { createProxy } from '../../proxy-core/src/proxy/create-proxy.js';

const profile = process.argv[2] ?? 'standard';
const settings: Settings = settingsSchema.parse({ privacy: { profile } });
const policy = compilePrivacy(settings.privacy);
const engine = createProxy({
  port: 0,
  policy: {
    profileFor: (f) => policy.profileFor(f),
    rewriteRequest: (f, h) => policy.rewriteRequest(f, h),
    rewriteResponse: (f, s, h) => policy.rewriteResponse(f, s, h),
  },
});
const { port } = await engine.listen();
process.stdout.write(`veil listening on ${port}\n`);
const stop = (): void => {
  void engine.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
