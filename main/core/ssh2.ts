import type ssh2 from 'ssh2';

export type Ssh2 = typeof ssh2;

let loading: Promise<Ssh2> | undefined;

/**
 * ssh2, loaded the first time an SSH check, session or key needs it. As it loads, it instantiates
 * its poly1305 module with 16 MB of memory of its own: a Guardian watching only HTTP and TCP
 * checks never needs it (at 10,000 HTTP checks it was 5 % of guardian serve's RSS).
 */
export function loadSsh2(): Promise<Ssh2> {
  // ssh2 is CommonJS: under Node's ESM loader only its default export is sure to exist.
  loading ??= import('ssh2').then((module) => module.default);
  return loading;
}
