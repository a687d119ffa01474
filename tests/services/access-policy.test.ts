// Who may do what, as every transport enforces it: reader < editor < admin; reads open unless
// REQUIRE_AUTH; 401 for nobody, 403 for too low a role.
import { describe, expect, test } from 'vitest'
import { AccessPolicy } from '../../src/services/auth.service.ts'
import type { Actor, Role } from '../../src/services/context.ts'

const actors: Record<string, Actor> = {
  anonymous: { kind: 'anonymous' },
  reader: { kind: 'api-key', keyId: 'k1', name: 'r', role: 'reader' },
  editor: { kind: 'api-key', keyId: 'k2', name: 'e', role: 'editor' },
  admin: { kind: 'api-key', keyId: 'k3', name: 'a', role: 'admin' },
  bootstrap: { kind: 'bootstrap', role: 'admin' },
}

const outcome = (fn: () => void): number => {
  try {
    fn()
    return 200
  } catch (err) {
    return (err as { status: number }).status
  }
}

describe.each([false, true])('REQUIRE_AUTH=%s', (requireAuth) => {
  const policy = new AccessPolicy(requireAuth)
  test.each(Object.keys(actors))('%s', (who) => {
    const ctx = { actor: actors[who]! }
    const needs = (role: Role) => outcome(() => policy.require(ctx, role))
    const expected: Record<string, [number, number, number, number]> = {
      //          read                     reader editor admin
      anonymous: [requireAuth ? 401 : 200, 401, 401, 401],
      reader: [200, 200, 403, 403],
      editor: [200, 200, 200, 403],
      admin: [200, 200, 200, 200],
      bootstrap: [200, 200, 200, 200],
    }
    expect([outcome(() => policy.read(ctx)), needs('reader'), needs('editor'), needs('admin')]).toEqual(expected[who])
  })
})
