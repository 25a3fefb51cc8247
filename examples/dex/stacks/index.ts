/**
 * The Pulumi program of this platform (Pulumi.yaml `main`): the stack name is the environment,
 * e.g. `pulumi up -s dev`. Node runs this file from source; see ferry's docs/infrastructure.md.
 */
import { platformProgram } from 'ferry/stacks';
import { platform } from '../platform/platform.ts';

export default platformProgram(platform);
