/** One object of `git cat-file --batch` output: its content, or undefined when git reported it missing (or it is not a blob). */
export interface CatFileObject {
  /** What was asked for, as git echoed it (`<spec> missing`) or the object id. */
  readonly name: string;
  readonly type: string;
  readonly content: Buffer | undefined;
}

/**
 * Splits `git cat-file --batch` output into its objects, in request order. Each object is
 * `<id> <type> <size>\n<content>\n`; an unknown one is `<spec> missing\n` (or `ambiguous`).
 * Works on bytes: sizes count bytes, so decoding must wait until each object is cut out.
 */
export function parseCatFileBatch(output: Buffer): CatFileObject[] {
  const objects: CatFileObject[] = [];
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(10, offset);
    if (newline < 0) throw new Error(`git cat-file --batch: truncated header at byte ${offset}`);
    const header = output.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    const fields = header.split(' ');
    const last = fields[fields.length - 1]!;
    if (last === 'missing' || last === 'ambiguous') {
      objects.push({ name: fields.slice(0, -1).join(' '), type: last, content: undefined });
      continue;
    }
    const size = Number(fields[2]);
    if (fields.length !== 3 || !Number.isInteger(size) || size < 0 || offset + size > output.length) {
      throw new Error(`git cat-file --batch: unexpected header ${JSON.stringify(header)}`);
    }
    objects.push({ name: fields[0]!, type: fields[1]!, content: output.subarray(offset, offset + size) });
    offset += size + 1; // the content is followed by a newline
  }
  return objects;
}

/** Contents of `parseCatFileBatch` as text, undefined for anything that is not a blob. */
export function catFileTexts(output: Buffer): (string | undefined)[] {
  return parseCatFileBatch(output).map((o) => (o.type === 'blob' && o.content ? o.content.toString('utf8') : undefined));
}
