// TypeBox as one file (npm run build:vendor → dist/vendor/typebox.js): the package is 700 ES
// modules, which cost the server ~0.3 s of every start to resolve and load; bundled, ~20 ms.
// src/http/schemas.ts imports it as '#typebox' (package.json "imports"; types from the package).
export * from 'typebox'
