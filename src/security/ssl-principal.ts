// The principal of a TLS client: its certificate's subject as an RFC 2253 distinguished name (what
// Java's X500Principal.getName() gives Kafka: most specific first, `CN=alice,OU=eng,O=acme,C=US`),
// mapped by `ssl.principal.mapping.rules`: a comma-separated list of `RULE:pattern/replacement/[LU]`
// and `DEFAULT`, tried in order; the first rule whose pattern matches the whole name gives the
// principal's name, `DEFAULT` gives the name unchanged.

export interface MappingRule {
  /** null for DEFAULT. */
  pattern: RegExp | null;
  replacement: string;
  caseChange: '' | 'L' | 'U';
  text: string;
}

export type RulesParse = { ok: true; rules: MappingRule[] } | { ok: false; error: string };

// One rule at a time from the front of the text: DEFAULT, or RULE:<pattern>/<replacement>/<L|U|>
// where pattern and replacement may contain backslash-escaped characters (including '/').
const RULE = /^\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?))\s*(?:,\s*|$)/s;

export function parseMappingRules(text: string | null | undefined): RulesParse {
  let rest = (text ?? 'DEFAULT').trim();
  const rules: MappingRule[] = [];
  while (rest.length > 0) {
    const m = RULE.exec(rest);
    if (!m) return { ok: false, error: `ssl.principal.mapping.rules: invalid rule: ${rest.split(',')[0]}` };
    const matched = m[0];
    if (m[1]) rules.push({ pattern: null, replacement: '', caseChange: '', text: 'DEFAULT' });
    else {
      let pattern: RegExp;
      try {
        pattern = new RegExp(`^(?:${m[2]})$`);
      } catch (err) {
        return {
          ok: false,
          error: `ssl.principal.mapping.rules: invalid pattern ${m[2]}: ${(err as Error).message}`,
        };
      }
      rules.push({
        pattern,
        replacement: m[3],
        caseChange: m[4] as MappingRule['caseChange'],
        text: matched.replace(/\s*,\s*$/, '').trim(),
      });
    }
    rest = rest.slice(matched.length);
  }
  return { ok: true, rules };
}

/** The principal name for a distinguished name, or null when no rule applies (Kafka then refuses the client). */
export function mapPrincipalName(rules: readonly MappingRule[], dn: string): string | null {
  for (const rule of rules) {
    if (!rule.pattern) return dn;
    if (!rule.pattern.test(dn)) continue;
    const name = dn.replace(rule.pattern, rule.replacement);
    if (rule.caseChange === 'L') return name.toLowerCase();
    if (rule.caseChange === 'U') return name.toUpperCase();
    return name;
  }
  return null;
}

/**
 * An RFC 2253 name from Node's `X509Certificate.subject` (one RDN per line, least specific first,
 * values already escaped as RFC 2253 asks, a multi-valued RDN's parts joined by " + "), so that
 * mapping rules written for Kafka (Java's X500Principal.getName()) match: most specific first,
 * RDNs joined by ',', the parts of one RDN by '+'.
 */
export function rfc2253FromSubject(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => line.replace(/ \+ (?=[A-Za-z0-9.]+=)/g, '+'))
    .reverse()
    .join(',');
}
