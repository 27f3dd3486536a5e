import type { BlocklistSuggestion } from './blocklist-schema.js';

/**
 * Well-known subscriptions the user may enable. Veil ships none of their content: each is
 * fetched from its publisher when the user adds it.
 */
export const SUGGESTED_LISTS: readonly BlocklistSuggestion[] = [
  {
    name: 'StevenBlack unified hosts',
    url: 'https://raw.githubusercontent.com/StevenBlack/hosts/master/hosts',
    format: 'hosts',
    description: 'Adware and malware hosts merged from several curated sources (about 80,000 names).',
  },
  {
    name: 'EasyPrivacy',
    url: 'https://easylist.to/easylist/easyprivacy.txt',
    format: 'adblock',
    description:
      'Tracking scripts and beacons (AdBlock syntax). Rules limited to a resource type ($script, $image…) are skipped.',
  },
  {
    name: 'OISD small',
    url: 'https://small.oisd.nl/domainswild',
    format: 'domains',
    description: 'Ads, tracking and malware domains with few false positives (domain list).',
  },
  {
    name: 'OISD big',
    url: 'https://big.oisd.nl/domainswild',
    format: 'domains',
    description: 'The larger OISD list, several hundred thousand domains.',
  },
];
