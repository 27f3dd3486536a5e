/**
 * Veil's engine with one privacy profile compiled into its policy, in its own process so
 * the load generator and the origin do not share its event loop. Usage: PORT PROFILE
 */
import { type Settings, settingsSchema } from '../../proxy-core/src/control/settings-schema.js';
import { compilePrivacy } from '../../proxy-core/src/privacy/privacy-policy.js';
import { createProxy } from '../../proxy-core/src/proxy/create-proxy.js';

const [port = '0', profile = 'standard'] = process.argv.slice(2);
const settings: Settings = settingsSchema.parse({ privacy: { profile } });
const policy = compilePrivacy(settings.privacy);
const engine = createProxy({
  port: Number(port),
  policy: {
    profileFor: (f) => policy.profileFor(f),
    rewriteRequest: (f, h) => policy.rewriteRequest(f, h),
    rewriteResponse: (f, s, h) => policy.rewriteResponse(f, s, h),
  },
});
const { port: bound } = await engine.listen();
process.stdout.write(`veil listening on ${bound}\n`);
const stop = (): void => {
  void engine.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
