import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { TableDefinition } from '../../lib/config/tables.js';

export interface TickfanTableProps {
  /** Keys and TTL attribute; the same definition the local runtime creates its table from. */
  readonly definition: TableDefinition;
  /** `dev` tables are deleted with the stack; every other stage keeps its trading history. */
  readonly stage: string;
}

/**
 * A tickfan DynamoDB table: on demand (ticks come in bursts, then nothing), point-in-time
 * recovery, encrypted, TTL on the definition's attribute. Outside `dev` it survives a stack
 * deletion and refuses to be deleted by hand until deletion protection is switched off.
 */
export class TickfanTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: TickfanTableProps) {
    super(scope, id);
    const { definition } = props;
    const disposable = props.stage === 'dev';

    this.table = new Table(this, 'Table', {
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      sortKey:
        definition.sortKey === undefined
          ? undefined
          : { name: definition.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: definition.ttlAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: !disposable,
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
  }
}
