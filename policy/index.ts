/**
 * The ferry policy pack: `npm run build && pulumi preview -s <env> --policy-pack policy`.
 * The rules live in policy/*-rules.ts; this entry point only serves them to the engine.
 */
import { PolicyPack } from '@pulumi/policy';
import { FERRY_POLICIES } from './policies.js';

new PolicyPack('ferry-aws', { enforcementLevel: 'mandatory', policies: [...FERRY_POLICIES] });
