// The desktop shell is built in its own issue; this entry point keeps the build graph whole until then.
export {};
