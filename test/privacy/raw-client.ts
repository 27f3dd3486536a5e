// moved to test/support/ (the one place for test helpers); this path stays for existing imports
export * from '../support/raw-client.js';
