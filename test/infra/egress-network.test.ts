import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/nag.js';
import { TickfanStack } from '../../infra/tickfan-stack.js';
import {
  egressIpOutputKey,
  egressIpsFrom,
  StackOutputKeys,
  stackNameFor,
} from '../../lib/config/deployment-names.js';
import {
  acknowledgements,
  actionsOf,
  liveConfig,
  liveSecretName,
  logicalId,
  removeTestAssemblies,
  sharedTestStack,
  statementsOf,
  synthTestStack,
  testApp,
  testConfig,
} from './stack-factory.js';

afterAll(removeTestAssemblies);

/** Live binance with the fixed egress IP in `azs` availability zones. */
function egressConfig(azs: 1 | 2) {
  return testConfig({
    exchange: { mode: 'live', secretName: liveSecretName },
    network: { staticEgressIp: true, azs },
  });
}

/** The logical ids of the resources of `type`, in template order. */
function idsOf(template: Template, type: string, props: object = {}): string[] {
  return Object.keys(template.findResources(type, props));
}

const ref = (id: string) => ({ Ref: id });

/** The keys of the template's outputs that start with `EgressIp`, in template order. */
function egressOutputKeys(template: Template): string[] {
  return Object.keys(template.findOutputs('*')).filter((key) => key.startsWith('EgressIp'));
}

/** The network of a stack that has one; fails the test otherwise. */
function networkOf(stack: TickfanStack) {
  const network = stack.egressNetwork;
  if (network === undefined) throw new Error('the stack has no egress network');
  return network;
}

/** The route tables of the subnets the trade function runs in. */
function functionRouteTables(template: Template, subnetIds: readonly unknown[]): unknown[] {
  const associations = Object.values(
    template.findResources('AWS::EC2::SubnetRouteTableAssociation'),
  );
  return subnetIds.map((subnet) => {
    const association = associations.find(
      (a) => JSON.stringify(a.Properties.SubnetId) === JSON.stringify(subnet),
    );
    if (association === undefined) throw new Error(`no route table for ${JSON.stringify(subnet)}`);
    return association.Properties.RouteTableId;
  });
}

describe('without network.staticEgressIp', () => {
  it('deploys no VPC, NAT gateway, Elastic IP or endpoint, and no egress output', () => {
    const { stack, template } = sharedTestStack();

    expect(stack.egressNetwork).toBeUndefined();
    const ec2 = Object.values(template.toJSON().Resources as Record<string, { Type: string }>)
      .map((r) => r.Type)
      .filter((type) => type.startsWith('AWS::EC2::'));
    expect(ec2).toEqual([]);
    template.allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      Object.keys(StackOutputKeys).sort(),
    );
  });

  it('ignores network.azs', () => {
    const { template } = synthTestStack({ config: testConfig({ network: { azs: 2 } }) });

    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
  });

  it('gives the trade role no network interface permissions', () => {
    const { stack, template } = sharedTestStack();

    const actions = actionsOf(statementsOf(template, stack, stack.tradeFunction.role));
    expect(actions.filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });
});

describe('with network.staticEgressIp in one availability zone', () => {
  const { stack, template } = synthTestStack({ config: liveConfig(), stage: 'prod' });
  const network = networkOf(stack);
  const [eip] = network.egressIps;
  if (eip === undefined) throw new Error('no Elastic IP');
  const eipId = stack.getLogicalId(eip);
  const tradeFunction =
    template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.tradeFunction.function)];
  const functionSubnets: unknown[] = tradeFunction?.Properties.VpcConfig?.SubnetIds ?? [];

  it('deploys one NAT gateway holding the one Elastic IP, in a public subnet', () => {
    const [publicSubnet] = idsOf(template, 'AWS::EC2::Subnet', {
      Properties: { MapPublicIpOnLaunch: true },
    });

    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::EIP', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::EIP', { Domain: 'vpc' });
    template.hasResourceProperties('AWS::EC2::NatGateway', {
      AllocationId: { 'Fn::GetAtt': [eipId, 'AllocationId'] },
      SubnetId: ref(publicSubnet ?? ''),
    });
  });

  it('runs the trade function in the private subnet, in its own security group', () => {
    expect(functionSubnets).toHaveLength(1);
    const publicSubnets = idsOf(template, 'AWS::EC2::Subnet', {
      Properties: { MapPublicIpOnLaunch: true },
    });
    expect(functionSubnets.map((s) => (s as { Ref: string }).Ref)).not.toContain(publicSubnets[0]);
    expect(tradeFunction?.Properties.VpcConfig).toEqual({
      SubnetIds: functionSubnets,
      SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(stack, network.securityGroup), 'GroupId'] }],
    });
  });

  it('sends everything else from the private subnet to the NAT gateway', () => {
    const [routeTable] = functionRouteTables(template, functionSubnets);
    const [natId] = idsOf(template, 'AWS::EC2::NatGateway');

    template.hasResourceProperties('AWS::EC2::Route', {
      RouteTableId: routeTable,
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: ref(natId ?? ''),
    });
  });

  it('reaches DynamoDB through a gateway endpoint routed from the private subnet', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: {
        'Fn::Join': ['', ['com.amazonaws.', ref('AWS::Region'), '.dynamodb']],
      },
      VpcId: ref(logicalId(stack, network.vpc)),
      RouteTableIds: functionRouteTables(template, functionSubnets),
    });
  });

  it('lets the functions out on HTTPS only, and nothing in', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    expect(Object.keys(groups)).toEqual([logicalId(stack, network.securityGroup)]);
    const group = Object.values(groups)[0]?.Properties;

    expect(group.SecurityGroupEgress).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        Description: expect.any(String),
      },
    ]);
    expect(group.SecurityGroupIngress).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  it('outputs the Elastic IP as EgressIp1, telling the user to whitelist it', () => {
    template.hasOutput(egressIpOutputKey(1), {
      Value: { 'Fn::GetAtt': [eipId, 'PublicIp'] },
      Description: Match.stringLikeRegexp("exchange API key's IP whitelist"),
      Export: Match.absent(),
    });
    expect(egressOutputKeys(template)).toEqual(['EgressIp1']);
  });

  it('logs every flow of the VPC to a log group kept for a month', () => {
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: ref(logicalId(stack, network.vpc)),
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: ref(logicalId(stack, network.flowLogGroup)),
    });
    const logGroup =
      template.findResources('AWS::Logs::LogGroup')[logicalId(stack, network.flowLogGroup)];
    expect(logGroup).toMatchObject({
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('leaves the fan-out function outside the VPC', () => {
    const fanOut =
      template.findResources('AWS::Lambda::Function')[
        logicalId(stack, stack.fanOutFunction.function)
      ];

    expect(fanOut?.Properties.VpcConfig).toBeUndefined();
    const actions = actionsOf(statementsOf(template, stack, stack.fanOutFunction.role));
    expect(actions.filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });

  it("lets the trade role manage the function's network interfaces, with no managed policy", () => {
    const statements = statementsOf(template, stack, stack.tradeFunction.role);
    const ec2 = statements.filter((s) => JSON.stringify(s.Action).includes('ec2:'));
    const partitionArn = (resource: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          ref('AWS::Partition'),
          ':ec2:',
          ref('AWS::Region'),
          ':',
          ref('AWS::AccountId'),
          `:${resource}`,
        ],
      ],
    });

    expect(ec2).toEqual([
      {
        Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        Effect: 'Allow',
        Resource: '*',
      },
      {
        Action: 'ec2:CreateNetworkInterface',
        Effect: 'Allow',
        Resource: [
          partitionArn('network-interface/*'),
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                ref('AWS::Partition'),
                ':ec2:',
                ref('AWS::Region'),
                ':',
                ref('AWS::AccountId'),
                ':subnet/',
                functionSubnets[0],
              ],
            ],
          },
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                ref('AWS::Partition'),
                ':ec2:',
                ref('AWS::Region'),
                ':',
                ref('AWS::AccountId'),
                ':security-group/',
                { 'Fn::GetAtt': [logicalId(stack, network.securityGroup), 'GroupId'] },
              ],
            ],
          },
        ],
      },
      {
        Action: [
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Effect: 'Allow',
        Resource: partitionArn('network-interface/*'),
      },
    ]);
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('creates the function after the role may create its network interfaces', () => {
    const policyId = logicalId(stack, stack.tradeFunction.role.node.findChild('DefaultPolicy'));

    expect(
      template.findResources('AWS::Lambda::Function')[
        logicalId(stack, stack.tradeFunction.function)
      ]?.DependsOn,
    ).toContain(policyId);
  });
});

describe('with network.staticEgressIp in two availability zones', () => {
  const { stack, template } = synthTestStack({ config: egressConfig(2) });
  const network = networkOf(stack);
  const eipIds = network.egressIps.map((eip) => stack.getLogicalId(eip));
  const tradeFunction =
    template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.tradeFunction.function)];
  const functionSubnets: unknown[] = tradeFunction?.Properties.VpcConfig?.SubnetIds ?? [];

  it('deploys a NAT gateway per zone, each holding its own Elastic IP', () => {
    template.resourceCountIs('AWS::EC2::EIP', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const allocations = Object.values(template.findResources('AWS::EC2::NatGateway')).map(
      (nat) => nat.Properties.AllocationId,
    );

    expect(allocations).toEqual(eipIds.map((id) => ({ 'Fn::GetAtt': [id, 'AllocationId'] })));
  });

  it('runs the trade function in both private subnets, each routed to the NAT gateway of its zone', () => {
    expect(functionSubnets).toHaveLength(2);
    const routeTables = functionRouteTables(template, functionSubnets);
    const natIds = idsOf(template, 'AWS::EC2::NatGateway');
    const natOf = (routeTable: unknown) =>
      Object.values(template.findResources('AWS::EC2::Route'))
        .filter((r) => JSON.stringify(r.Properties.RouteTableId) === JSON.stringify(routeTable))
        .map((r) => r.Properties.NatGatewayId?.Ref)
        .filter((id) => id !== undefined);

    expect(routeTables.map(natOf)).toEqual(natIds.map((id) => [id]));
  });

  it('routes DynamoDB from both private subnets through one gateway endpoint', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      RouteTableIds: functionRouteTables(template, functionSubnets),
    });
  });

  it('outputs both addresses, EgressIp1 and EgressIp2, in zone order', () => {
    expect(egressOutputKeys(template)).toEqual(['EgressIp1', 'EgressIp2']);
    // What a deployed stack would answer, with each address standing for its Elastic IP.
    const deployed = Object.fromEntries(
      Object.entries(template.findOutputs('*')).map(([key, output]) => [
        key,
        JSON.stringify(output.Value),
      ]),
    );
    expect(egressIpsFrom(deployed)).toEqual(
      eipIds.map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'PublicIp'] })),
    );
  });

  it('keeps the first address when a second zone is added', () => {
    const one = synthTestStack({ config: egressConfig(1) });
    const [first] = networkOf(one.stack).egressIps;

    expect(first && one.stack.getLogicalId(first)).toBe(eipIds[0]);
  });
});

describe('cdk-nag on the fixed egress IP', () => {
  describe.each([1, 2] as const)('in %i zone(s)', (azs) => {
    it('finds no error and no warning left unacknowledged', () => {
      const app = testApp();
      // Not synthTestStack: its Template.fromStack would synthesize the app before the checks.
      new TickfanStack(app, stackNameFor('prod'), { config: egressConfig(azs), stage: 'prod' });
      addNagChecks(app);

      expect(() => app.synth()).not.toThrow();
      const report: { pluginReports: { conclusion: string; violations: unknown[] }[] } = JSON.parse(
        readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'),
      );
      // Warnings never fail a synthesis; each would be listed here, as would any error.
      expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    });
  });

  it('acknowledges only the wildcards EC2 and Lambda leave no way around, each with a reason', () => {
    const app = testApp();
    const { stack } = synthTestStack({ config: egressConfig(2), app });

    // The other cdk-nag acknowledgement is the schedule's (nag.test.ts); aws-cdk-lib's own
    // constructs acknowledge some CloudFormation-Validate findings of theirs.
    const acks = acknowledgements(stack).filter(
      (a) => a.id.startsWith('AwsSolutions-') && !a.path.includes('/TickSchedule/'),
    );

    // The trade and markets functions both run in the VPC, each with its own role.
    expect(acks.map(({ path, id }) => ({ path, id }))).toEqual(
      ['TradeFunction', 'MarketsFunction'].flatMap((fn) => [
        { path: `tickfan-dev/${fn}/Role`, id: 'AwsSolutions-IAM5[Resource::*]' },
        {
          path: `tickfan-dev/${fn}/Role`,
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        },
      ]),
    );
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
  });
});

describe('egress IP outputs', () => {
  it('are named EgressIp1, EgressIp2, ...', () => {
    expect([1, 2, 10].map(egressIpOutputKey)).toEqual(['EgressIp1', 'EgressIp2', 'EgressIp10']);
    expect(() => egressIpOutputKey(0)).toThrow(RangeError);
  });

  it('are read back from any outputs in key order, numbers compared as numbers', () => {
    const outputs = {
      EgressIp2: '198.51.100.2',
      QueueUrl: 'https://sqs.example/q',
      EgressIp10: '198.51.100.10',
      EgressIp1: '198.51.100.1',
    };

    expect(egressIpsFrom(outputs)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.10']);
    expect(egressIpsFrom({ QueueUrl: 'https://sqs.example/q' })).toEqual([]);
  });
});
