// Evaluates Vast's filter language the way its search and v1 listing do: `{field: {op: value}}` with
// eq/neq/gt/gte/lt/lte/in/notin. Values arrive as the official CLI writes them (numbers often as strings,
// booleans as true/"true"), so they are compared after coercing to the field's type. `geolocation` matches a
// whole "City, CC" or its country code, as the CLI's `geolocation in [TW,SE]` expects.
export const filterOps = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notin'] as const;

function coerceLike(sample: unknown, value: unknown): unknown {
  if (typeof sample === 'number' && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (typeof sample === 'boolean' && typeof value === 'string') {
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
  }
  return value;
}

function equalsField(field: string, actual: unknown, wanted: unknown): boolean {
  const v = coerceLike(actual, wanted);
  if (field === 'geolocation' && typeof actual === 'string' && typeof v === 'string') {
    return actual === v || actual.endsWith(`, ${v}`);
  }
  return actual === v || (actual == null && v == null);
}

/** Throws Error(message) for an unknown operator. */
export function matchesCondition(field: string, actual: unknown, op: string, wanted: unknown): boolean {
  switch (op) {
    case 'eq':
      return equalsField(field, actual, wanted);
    case 'neq':
      return !equalsField(field, actual, wanted);
    case 'in':
    case 'notin': {
      const list = Array.isArray(wanted) ? wanted : [wanted];
      const hit = list.some((w) => equalsField(field, actual, w));
      return op === 'in' ? hit : !hit;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const v = Number(coerceLike(actual, wanted));
      if (typeof actual !== 'number' || Number.isNaN(v)) return false;
      if (op === 'gt') return actual > v;
      if (op === 'gte') return actual >= v;
      if (op === 'lt') return actual < v;
      return actual <= v;
    }
    default:
      throw new Error(`unknown operator "${op}"`);
  }
}

export function matchesFilters(row: Record<string, unknown>, filters: Record<string, unknown>): boolean {
  for (const [field, condition] of Object.entries(filters)) {
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
      if (!equalsField(field, row[field], condition)) return false;
      continue;
    }
    for (const [op, wanted] of Object.entries(condition as Record<string, unknown>)) {
      if (!matchesCondition(field, row[field], op, wanted)) return false;
    }
  }
  return true;
}

export function compareBy(order: Array<[string, string]>): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  return (a, b) => {
    for (const [field, dir] of order) {
      const x = a[field];
      const y = b[field];
      if (x === y) continue;
      const sign = /^desc$/i.test(dir) ? -1 : 1;
      if (x == null) return 1;
      if (y == null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return Number(a.id) - Number(b.id);
  };
}
