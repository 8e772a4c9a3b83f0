// Validates cosiebot's data packages with Frictionless's reference
// implementation (the npm package datapackage): each descriptor against the
// tabular data package profile, then every CSV against its Table Schema
// (header, types, constraints, primary and unique keys) and its foreign
// keys. Usage: node validate-datapackage.mjs DIR [DIR...]
// Prints one line per package; exits 1 when any has a problem.
import path from 'node:path'
import datapackage from 'datapackage'

const { Package } = datapackage

async function problemsOf(dir) {
  const problems = []
  const pkg = await Package.load(path.join(dir, 'datapackage.json'), { basePath: dir })
  if (!pkg.valid) {
    for (const e of pkg.errors) problems.push(`descriptor: ${e.message}`)
    return problems
  }
  if (pkg.descriptor.profile !== 'tabular-data-package') problems.push(`descriptor: profile ${pkg.descriptor.profile}`)
  for (const r of pkg.resources) {
    if (!r.tabular) {
      problems.push(`${r.name}: not a tabular data resource`)
      continue
    }
    try {
      const rows = await r.read({ cast: true, relations: true, forceCast: true })
      for (const row of rows) {
        if (row instanceof Error) problems.push(`${r.descriptor.path}: ${describe(row)}`)
      }
    } catch (e) {
      problems.push(`${r.descriptor.path}: ${describe(e)}`)
    }
  }
  return problems
}

function describe(e) {
  const inner = (e.errors || []).map((x) => x.message).join('; ')
  return inner ? `${e.message}: ${inner}` : e.message
}

const dirs = process.argv.slice(2)
if (dirs.length === 0) {
  console.error('usage: node validate-datapackage.mjs DIR [DIR...]')
  process.exit(2)
}
let failed = false
for (const dir of dirs) {
  const problems = await problemsOf(dir)
  if (problems.length === 0) {
    console.log(`valid: ${dir}`)
    continue
  }
  failed = true
  console.log(`INVALID: ${dir}`)
  for (const p of problems.slice(0, 50)) console.log(`  ${p}`)
}
process.exit(failed ? 1 : 0)
