/**
 * Hosts Veil tunnels blind unless the user says otherwise. Each group is why someone would
 * expect Veil to stay out: the app pins its certificate (inspection would just break it),
 * it updates the operating system, it holds passwords or signs people in, or it is a bank.
 * Editable: this is only the starting value of `inspection.exclude`.
 */
export const DEFAULT_EXCLUSION_GROUPS: ReadonlyArray<{ reason: string; patterns: readonly string[] }> = [
  {
    reason: 'certificate-pinned apps and services',
    patterns: [
      '*.apple.com',
      '*.icloud.com',
      '*.mzstatic.com',
      '*.googleapis.com',
      'accounts.google.com',
      '*.gvt1.com',
      '*.whatsapp.net',
      '*.whatsapp.com',
      '*.signal.org',
      '*.dropbox.com',
      '*.dropboxapi.com',
      '*.spotify.com',
      '*.mozilla.net',
      '*.services.mozilla.com',
    ],
  },
  {
    reason: 'operating-system and software updates',
    patterns: [
      '*.windowsupdate.com',
      '*.update.microsoft.com',
      '*.delivery.mp.microsoft.com',
      'deb.debian.org',
      'security.debian.org',
      '*.ubuntu.com',
      '*.fedoraproject.org',
      '*.snapcraft.io',
      '*.flathub.org',
    ],
  },
  {
    reason: 'password managers and account sign-in',
    patterns: [
      '*.1password.com',
      '*.bitwarden.com',
      '*.lastpass.com',
      '*.dashlane.com',
      '*.keepersecurity.com',
      'login.microsoftonline.com',
      'login.live.com',
      'appleid.apple.com',
      'github.com',
      '*.okta.com',
      '*.auth0.com',
    ],
  },
  {
    reason: 'banks and payments (a starter list: add your own)',
    patterns: [
      '*.paypal.com',
      '*.stripe.com',
      '*.chase.com',
      '*.bankofamerica.com',
      '*.wellsfargo.com',
      '*.hsbc.com',
      '*.barclays.co.uk',
      '*.ing.com',
      '*.revolut.com',
      '*.wise.com',
    ],
  },
  {
    reason: 'local names',
    patterns: ['localhost', '*.localhost', '*.local', '*.lan', '*.internal', '*.home.arpa'],
  },
];

/** The default `inspection.exclude` list, flattened. */
export const DEFAULT_EXCLUSIONS: readonly string[] = DEFAULT_EXCLUSION_GROUPS.flatMap((g) => g.patterns);
