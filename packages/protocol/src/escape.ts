// Text from the other side (a relay's refusal, an agent's hostname, a client address from a header) is
// shown in terminals and CI logs. Control characters in it could move the cursor, rewrite earlier lines
// or set a terminal's title; they are printed escaped instead. Pure.

/** C0 and C1 controls, DEL, line/paragraph separators and bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `a\x1b[2Jb` -> `a\x1b[2Jb` with the escape shown as the four characters `\x1b`. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
