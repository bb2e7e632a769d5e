// graphql-js's own introspection query, with every option it has, against the built gateway: the answer must pass
// graphql-js's validation of an introspection result (buildClientSchema) and describe exactly the checked-in SDL.
// This is what IDEs and code generators (GraphiQL, graphql-codegen, Apollo Rover, ...) send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql';
import { startGateway } from './gateway.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const everyOption = {
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
  inputValueDeprecation: true, oneOf: true,
};

let gateway;

before(async () => { gateway = await startGateway(); });
after(() => gateway?.stop());

async function introspect(options) {
  const response = await fetch(`${gateway.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: getIntrospectionQuery(options) }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body.errors));
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

test('getIntrospectionQuery with every option is answered, and describes exactly schema/schema.graphql', async () => {
  const data = await introspect(everyOption);

  const served = buildClientSchema(data);
  const checkedIn = buildSchema(readFileSync(path.join(root, 'schema', 'schema.graphql'), 'utf8'));
  // Every type, field, argument, default, description and deprecation, and the schema's own directives.
  assert.equal(printSchema(lexicographicSortSchema(served)), printSchema(lexicographicSortSchema(checkedIn)));
  assert.equal(served.description, checkedIn.description);
  assert.ok(served.description, 'the schema has a description');
});

test('the specified directives are served as the spec defines them', async () => {
  const data = await introspect(everyOption);
  const served = new Map(data.__schema.directives.map(directive => [directive.name, directive]));

  const expected = {
    include: { locations: ['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'], args: { if: 'Boolean!' } },
    skip: { locations: ['FIELD', 'FRAGMENT_SPREAD', 'INLINE_FRAGMENT'], args: { if: 'Boolean!' } },
    deprecated: { locations: ['ARGUMENT_DEFINITION', 'ENUM_VALUE', 'FIELD_DEFINITION', 'INPUT_FIELD_DEFINITION'], args: { reason: 'String' } },
    specifiedBy: { locations: ['SCALAR'], args: { url: 'String!' } },
  };
  const typeName = type => type.kind === 'NON_NULL' ? `${typeName(type.ofType)}!` : type.name;
  for (const [name, { locations, args }] of Object.entries(expected)) {
    const directive = served.get(name);
    assert.ok(directive, `@${name} is served`);
    assert.deepEqual([...directive.locations].sort(), locations, `@${name}'s locations`);
    assert.deepEqual(Object.fromEntries(directive.args.map(arg => [arg.name, typeName(arg.type)])), args, `@${name}'s arguments`);
    assert.equal(directive.isRepeatable, false, `@${name} is not repeatable`);
  }
  assert.equal(served.get('deprecated').args[0].defaultValue, '"No longer supported"');
});

test('the October 2021 fields are there: specifiedByURL on every type, isRepeatable on every directive', async () => {
  const data = await introspect(everyOption);

  const scalars = data.__schema.types.filter(type => type.kind === 'SCALAR');
  assert.ok(scalars.some(type => type.name === 'DateTime'), 'the DateTime scalar is listed');
  for (const type of data.__schema.types) {
    assert.ok(Object.hasOwn(type, 'specifiedByURL'), `${type.name} answers specifiedByURL`);
    // Only a custom scalar may name a specification; none of this schema's claims one.
    assert.equal(type.specifiedByURL, null, `${type.name}.specifiedByURL`);
  }
  for (const directive of data.__schema.directives) {
    assert.equal(typeof directive.isRepeatable, 'boolean', `@${directive.name} answers isRepeatable`);
  }
});

test('input value deprecation is answered: every argument and input field says whether it is deprecated', async () => {
  const data = await introspect(everyOption);

  const inputValues = data.__schema.types.flatMap(type => [
    ...(type.fields ?? []).flatMap(field => field.args),
    ...(type.inputFields ?? []),
  ]);
  assert.ok(inputValues.length > 0, 'the schema has arguments');
  for (const value of inputValues) {
    assert.equal(typeof value.isDeprecated, 'boolean', `${value.name} answers isDeprecated`);
  }
});
