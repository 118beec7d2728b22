// Kysely as one file (npm run build:vendor → dist/vendor/kysely.js): its ES modules cost the
// server ~0.15 s of every start to resolve and load. Code imports it as '#kysely' (package.json
// "imports", types from the package); type-only imports may name 'kysely' itself.
export * from 'kysely'
