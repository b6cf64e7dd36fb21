import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV } from '../../shared/util/env';

export interface MailProps {
  /** The one From address (its domain or itself is the verified SES identity). */
  readonly senderEmail: string;
}

/**
 * Outgoing mail: the SES configuration set every message is sent with (TLS required,
 * reputation metrics), the environment a sending function reads, and the permission to send
 * from the one sender address through that configuration set.
 */
export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly senderEmail: string;
  /** What a sending function needs in its environment (SENDER_EMAIL, SES_CONFIGURATION_SET). */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    if (!/^[^@\s]+@[^@\s]+$/.test(props.senderEmail)) {
      throw new Error(`senderEmail must be one address like name@domain, got ${props.senderEmail}`);
    }
    this.senderEmail = props.senderEmail;
    // `Default`: the set keeps the logical id it had before this construct existed.
    this.configurationSet = new ses.ConfigurationSet(this, 'Default', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.environment = {
      [ENV.SENDER_EMAIL]: this.senderEmail,
      [ENV.SES_CONFIGURATION_SET]: this.configurationSet.configurationSetName,
    };
  }

  /**
   * Lets `grantee` send (SendEmail, SendRawEmail) through this configuration set, from the
   * sender address only, whether SES verified the address or its domain.
   */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    const { partition, region, account } = Stack.of(this);
    const arn = (resource: string) => `arn:${partition}:ses:${region}:${account}:${resource}`;
    const domain = this.senderEmail.slice(this.senderEmail.indexOf('@') + 1);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resourceArns: [
        arn(`identity/${domain}`),
        arn(`identity/${this.senderEmail}`),
        arn(`configuration-set/${this.configurationSet.configurationSetName}`),
      ],
      conditions: { StringEquals: { 'ses:FromAddress': this.senderEmail } },
    });
  }
}
