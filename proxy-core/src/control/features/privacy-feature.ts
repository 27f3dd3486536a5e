import { BUILT_IN_PROFILES } from '../../privacy/built-in-profiles.js';
import { explainRequest } from '../../privacy/explain.js';
import { compilePrivacy, type PrivacyPolicy } from '../../privacy/privacy-policy.js';
import { CommandError, type ProfileInfo, type UpdateResult } from '../contract.js';
import type { Feature, FeatureFactory } from '../feature.js';
import { builtInProfileIds, profileSchema, type Settings } from '../settings-schema.js';

/** Privacy profiles and per-site rules: compiles them on every change and rewrites headers. */
export const privacyFeature: FeatureFactory = (host) => {
  let compiled: PrivacyPolicy | null = null;
  let compiledFrom = '';

  function current(): PrivacyPolicy {
    const privacy = host.settings().privacy;
    if (!compiled) compile(privacy);
    return compiled!;
  }

  function compile(privacy: Settings['privacy']): void {
    compiled = compilePrivacy(privacy);
    compiledFrom = JSON.stringify(privacy);
  }

  function isBuiltIn(id: string): boolean {
    return (builtInProfileIds as readonly string[]).includes(id);
  }

  function refused(path: string, message: string): UpdateResult {
    return { ok: false, errors: [{ path, message }] };
  }

  const feature: Feature = {
    name: 'privacy',
    applySettings(settings) {
      // recompiled only when the privacy section changed: other sections change often (traffic, lists)
      if (JSON.stringify(settings.privacy) !== compiledFrom) compile(settings.privacy);
    },
    policy() {
      const p = current();
      return {
        profileFor: (facts) => p.profileFor(facts),
        rewriteRequest: (facts, headers) => p.rewriteRequest(facts, headers),
        rewriteResponse: (facts, status, headers) => p.rewriteResponse(facts, status, headers),
      };
    },
    commands: {
      'privacy.profiles': async () => {
        const custom = host.settings().privacy.customProfiles;
        const out: ProfileInfo[] = BUILT_IN_PROFILES.map((p) => ({
          ...p,
          removeHeaders: [...p.removeHeaders],
          builtIn: true,
        }));
        for (const c of custom) out.push({ ...c, builtIn: false });
        return out;
      },
      'privacy.setProfile': async (args) => {
        const privacy = host.settings().privacy;
        return host.updateSettings({ privacy: { ...privacy, profile: args!.profile } });
      },
      'privacy.saveProfile': async (args) => {
        const profile = profileSchema.parse(args!.profile);
        if (isBuiltIn(profile.id)) {
          return refused(
            'profile.id',
            `"${profile.id}" is a built-in profile and cannot be changed; save your copy under a new id, e.g. "my-${profile.id}".`,
          );
        }
        const privacy = host.settings().privacy;
        const others = privacy.customProfiles.filter((c) => c.id !== profile.id);
        const at = privacy.customProfiles.findIndex((c) => c.id === profile.id);
        const customProfiles =
          at < 0 ? [...others, profile] : privacy.customProfiles.map((c, i) => (i === at ? profile : c));
        return host.updateSettings({ privacy: { ...privacy, customProfiles } });
      },
      'privacy.deleteProfile': async (args) => {
        const id = args!.id;
        if (isBuiltIn(id)) return refused('id', `"${id}" is a built-in profile and cannot be deleted.`);
        const privacy = host.settings().privacy;
        if (!privacy.customProfiles.some((c) => c.id === id)) {
          throw new CommandError({ code: 'E_NOT_FOUND', message: `There is no custom profile "${id}".` });
        }
        if (privacy.profile === id) {
          return refused('id', `"${id}" is the active profile; switch to another profile before deleting it.`);
        }
        const users = privacy.siteRules.filter((r) => r.profile === id).map((r) => r.pattern);
        if (users.length) {
          return refused('id', `"${id}" is used by the site rules ${users.join(', ')}; change or remove them first.`);
        }
        return host.updateSettings({
          privacy: { ...privacy, customProfiles: privacy.customProfiles.filter((c) => c.id !== id) },
        });
      },
      'privacy.explain': async (args) => {
        let url: URL;
        try {
          url = new URL(args!.url.includes('://') ? args!.url : `http://${args!.url}`);
        } catch {
          throw new CommandError({
            code: 'E_INVALID_ARGS',
            message: `"${args!.url}" is not a URL; try https://example.com/.`,
            errors: [{ path: 'url', message: 'Not a URL' }],
          });
        }
        return explainRequest(current(), url, args!.referer);
      },
    },
  };
  return feature;
};
