/** The shape of one key of the stack-config schema, shared by the render keys and the infrastructure keys. */
import type { Environment, Platform } from './platform.js';

/** Where a value came from, for error messages: the file and the environment it configures. */
export interface ConfigSource {
  /** File name shown in errors, e.g. 'Pulumi.prod.yaml'. */
  readonly file: string;
  /** Pulumi project name: keys are `<project>:<key>`. */
  readonly project: string;
  readonly platform: Platform;
  readonly environment: Environment;
}

/** One key of the stack config schema. */
export interface StackKeySpec {
  /** One line for `Pulumi.yaml` and error messages. */
  readonly description: string;
  readonly required?: boolean;
  /** Returns the typed value or throws an Error whose message starts with `where`. */
  parse(value: unknown, where: string, source: ConfigSource): unknown;
}
