// The JAAS configuration syntax of `sasl.jaas.config` and `listener.name.<l>.<mech>.sasl.jaas.config`:
//   <LoginModuleClass> <required|requisite|sufficient|optional> key=value key="quoted value" ... ;
// Samsa never loads the named class (CVE-2023-25194: module names from configuration must not reach a
// class loader); it only reads the options of the module it knows for each mechanism.

export interface JaasModule {
  loginModule: string;
  flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  options: ReadonlyMap<string, string>;
}

export type JaasParse = { ok: true; modules: JaasModule[] } | { ok: false; error: string };

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Splits JAAS text into tokens: words, quoted strings (with \" and \\ escapes), '=' and ';'. */
function tokenize(
  text: string,
): { tokens: { kind: 'word' | 'string' | '=' | ';'; text: string }[] } | string {
  const tokens: { kind: 'word' | 'string' | '=' | ';'; text: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c, text: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return 'unterminated quoted value';
        const d = text[i];
        if (d === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text: value });
    } else {
      const start = i;
      while (i < text.length && !/[\s=;"]/.test(text[i])) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
    }
  }
  return { tokens };
}

export function parseJaasConfig(text: string): JaasParse {
  const t = tokenize(text);
  if (typeof t === 'string') return { ok: false, error: `sasl.jaas.config: ${t}` };
  const { tokens } = t;
  const modules: JaasModule[] = [];
  let i = 0;
  while (i < tokens.length) {
    const name = tokens[i];
    const flag = tokens[i + 1];
    if (name?.kind !== 'word' || flag?.kind !== 'word' || !FLAGS.has(flag.text))
      return {
        ok: false,
        error: 'sasl.jaas.config: expected "<LoginModule> <required|requisite|sufficient|optional>"',
      };
    i += 2;
    const options = new Map<string, string>();
    while (i < tokens.length && tokens[i].kind !== ';') {
      const key = tokens[i];
      const eq = tokens[i + 1];
      const value = tokens[i + 2];
      if (key.kind !== 'word' || eq?.kind !== '=' || (value?.kind !== 'word' && value?.kind !== 'string'))
        return { ok: false, error: `sasl.jaas.config: expected key=value after ${name.text}` };
      options.set(key.text, value.text);
      i += 3;
    }
    if (tokens[i]?.kind !== ';')
      return { ok: false, error: 'sasl.jaas.config: a login module must end with ";"' };
    i++;
    modules.push({ loginModule: name.text, flag: flag.text as JaasModule['flag'], options });
  }
  if (modules.length === 0) return { ok: false, error: 'sasl.jaas.config: no login module' };
  return { ok: true, modules };
}

/**
 * PLAIN's users from a PlainLoginModule's options: every `user_<name>="<password>"`. (The module's own
 * `username`/`password` are the credentials the broker uses as a client, for inter-broker SASL.)
 */
export function plainUsers(module: JaasModule): Map<string, string> {
  const users = new Map<string, string>();
  for (const [k, v] of module.options) if (k.startsWith('user_')) users.set(k.slice('user_'.length), v);
  return users;
}
