// `npm run bench` is built in the engine issue; this entry point keeps the build graph whole until then.
console.log('bench: no benchmarks yet');
