import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { stateTable, type TableDefinition } from '../../lib/tables.js';

export interface StateTableProps {
  /** `dev` tables are deleted with the stack; every other stage keeps its trading history. */
  readonly stage: string;
  /** Keys and TTL attribute; the same definition the local runtime creates its table from. */
  readonly definition?: TableDefinition;
}

/** The DynamoDB table holding positions, orders, tick results, breakers and control flags. */
export class StateTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    const definition = props.definition ?? stateTable;
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
