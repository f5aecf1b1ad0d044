import { type RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLog,
  FlowLogDestination,
  FlowLogResourceType,
  FlowLogTrafficType,
  type GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  IpAddresses,
  NatProvider,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionNetwork } from './tickfan-function.js';

export interface EgressNetworkProps {
  /** Availability zones (`network.azs`): each gets a public subnet, a NAT gateway and its Elastic IP. */
  readonly azs: number;
  /** What happens to the flow log group when it leaves the stack (as for the functions' logs). */
  readonly logRemovalPolicy: RemovalPolicy;
}

/** Subnet group of the functions' network interfaces; their only way out is a NAT gateway. */
const functionSubnetGroup = 'Egress';

/**
 * The fixed egress IP (`network.staticEgressIp`): a VPC whose private subnets send everything
 * bound for the internet through a NAT gateway holding an Elastic IP, one per availability zone,
 * so an exchange API key can be restricted to those addresses. DynamoDB is reached through a
 * gateway endpoint (no NAT data charge); SQS, SNS and Secrets Manager through the NAT gateway,
 * which at tickfan's traffic costs far less than interface endpoints would (see
 * `lib/cost/cost-model.ts`, `interfaceEndpointBreakEvenGb`).
 */
export class EgressNetwork extends Construct {
  public readonly vpc: Vpc;
  /** One Elastic IP per availability zone, in zone order; each NAT gateway sends from its own. */
  public readonly egressIps: readonly CfnEIP[];
  /** The functions' security group: outbound HTTPS only, nothing inbound. */
  public readonly securityGroup: SecurityGroup;
  /** DynamoDB's gateway endpoint, routed from the functions' subnets. */
  public readonly dynamoDbEndpoint: GatewayVpcEndpoint;
  public readonly flowLogGroup: LogGroup;
  public readonly flowLog: FlowLog;

  constructor(scope: Construct, id: string, props: EgressNetworkProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    // Allocated here rather than by the NAT gateways, so the addresses can be output, and a NAT
    // gateway that is ever replaced takes the same address again: the whitelist stays right.
    this.egressIps = Array.from({ length: props.azs }, (_, i) => {
      const eip = new CfnEIP(this, `EgressIp${i + 1}`, { domain: 'vpc' });
      Tags.of(eip).add('Name', `${stackName}-egress-${i + 1}`);
      return eip;
    });

    this.vpc = new Vpc(this, 'Vpc', {
      // Room for the functions' network interfaces and nothing else; no peering is planned.
      ipAddresses: IpAddresses.cidr('10.0.0.0/24'),
      maxAzs: props.azs,
      natGateways: props.azs,
      natGatewayProvider: NatProvider.gateway({
        eipAllocationIds: this.egressIps.map((eip) => eip.attrAllocationId),
      }),
      subnetConfiguration: [
        // Holds only the NAT gateway.
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 28 },
        { name: functionSubnetGroup, subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 26 },
      ],
      // Nothing is placed in the default security group. Restricting it would add a custom
      // resource (a Lambda function and a role of its own) to every stack for no traffic.
      restrictDefaultSecurityGroup: false,
    });

    this.dynamoDbEndpoint = this.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [{ subnetGroupName: functionSubnetGroup }],
    });

    this.securityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'tickfan functions: outbound HTTPS only',
      allowAllOutbound: false,
    });
    // Every service the functions call speaks HTTPS on 443: the exchange's REST API, DynamoDB
    // (through its gateway endpoint, at its public addresses), SQS, SNS and Secrets Manager
    // (through the NAT gateway). DNS goes to the VPC resolver, which security groups never filter.
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'HTTPS to the exchange and the AWS APIs',
    );

    // CloudWatch Logs rather than S3: at a few hundred MB a month the price difference is cents,
    // while a bucket would bring its own access-log bucket, TLS policy and lifecycle to manage;
    // a log group keeps a retention and is queried with Logs Insights like the functions' logs.
    this.flowLogGroup = new LogGroup(this, 'FlowLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });
    this.flowLog = new FlowLog(this, 'FlowLog', {
      resourceType: FlowLogResourceType.fromVpc(this.vpc),
      destination: FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      // Accepted flows too: which addresses the functions reached, and from which egress IP.
      trafficType: FlowLogTrafficType.ALL,
    });
  }

  /** Where a function runs to send from the egress IPs: the private subnets, this group. */
  get functionNetwork(): FunctionNetwork {
    const vpcSubnets: SubnetSelection = { subnetGroupName: functionSubnetGroup };
    return { vpc: this.vpc, vpcSubnets, securityGroups: [this.securityGroup] };
  }
}
