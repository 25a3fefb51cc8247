/** Helpers the rules share: reading IAM documents and security group rules as the engine hands them over. */

export interface IamStatement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** An IAM policy document from a JSON string or an object; undefined when missing or unreadable. */
export function iamStatements(document: unknown): IamStatement[] | undefined {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const statements = (doc as { Statement?: unknown }).Statement;
  if (statements === undefined) return undefined;
  return (Array.isArray(statements) ? statements : [statements]) as IamStatement[];
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Whether a statement's principal is everyone: `"*"`, `{ AWS: "*" }` or a list containing `"*"`. */
export function isPublicPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (principal && typeof principal === 'object') {
    return Object.values(principal as Record<string, unknown>).some((v) => asList(v).includes('*'));
  }
  return false;
}

/** Condition values of `key` under the given operators (e.g. StringEquals, StringLike). */
export function conditionValues(statement: IamStatement, operators: readonly string[], key: string): string[] | undefined {
  let found: string[] | undefined;
  for (const operator of operators) {
    const block = statement.Condition?.[operator];
    if (block && key in block) found = [...(found ?? []), ...asList(block[key]).map(String)];
  }
  return found;
}

export function principalValues(principal: unknown, kind: string): string[] {
  if (!principal || typeof principal !== 'object') return [];
  return asList((principal as Record<string, unknown>)[kind]).map(String);
}

/** Internet-wide CIDR blocks. */
export const OPEN_CIDRS = ['0.0.0.0/0', '::/0'] as const;

/** One ingress permission, whatever resource type declared it. */
export interface IngressPermission {
  readonly protocol: string | undefined;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly cidrs: readonly string[];
}

/** The ingress permissions a resource declares, for the three ways AWS rules can be written. */
export function ingressPermissions(type: string, props: Record<string, any>): IngressPermission[] {
  const cidrsOf = (...lists: unknown[]) => lists.flatMap(asList).map(String);
  switch (type) {
    case 'aws:ec2/securityGroup:SecurityGroup':
      return asList(props.ingress).map((rule: any) => ({
        protocol: rule?.protocol,
        fromPort: rule?.fromPort,
        toPort: rule?.toPort,
        cidrs: cidrsOf(rule?.cidrBlocks, rule?.ipv6CidrBlocks),
      }));
    case 'aws:ec2/securityGroupRule:SecurityGroupRule':
      return props.type === 'ingress'
        ? [{ protocol: props.protocol, fromPort: props.fromPort, toPort: props.toPort, cidrs: cidrsOf(props.cidrBlocks, props.ipv6CidrBlocks) }]
        : [];
    case 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule':
      return [{ protocol: props.ipProtocol, fromPort: props.fromPort, toPort: props.toPort, cidrs: cidrsOf(props.cidrIpv4, props.cidrIpv6) }];
    default:
      return [];
  }
}

/** Whether a permission admits TCP `port`; a missing port range or an all-protocols rule admits every port. */
export function admitsPort(permission: IngressPermission, port: number): boolean {
  const protocol = String(permission.protocol ?? '-1').toLowerCase();
  if (protocol === '-1' || protocol === 'all') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  const from = permission.fromPort ?? 0;
  const to = permission.toPort ?? 65535;
  return from <= port && port <= to;
}
