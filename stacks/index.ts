/**
 * The Pulumi program of this repository's sample platform (Pulumi.yaml `main`, compiled to
 * dist/stacks/index.js): `pulumi up -s dev` brings up what dev needs.
 */
import { platform } from '../platform/platform.js';
import { platformProgram } from './program.js';

export default platformProgram(platform);
