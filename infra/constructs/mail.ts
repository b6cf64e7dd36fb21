import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV } from '../../shared/util/env';

export interface MailProps {
  /** The one From address (its domain or itself is the verified SES identity). */
  readonly senderEmail: string;
  /**
   * The domain SES sends from (the sender address's domain). Given, it becomes an SES domain
   * identity with Easy DKIM: its three CNAME records (`dkimRecords`) must be published in
   * the domain's DNS before SES sends from it.
   * @default no identity in the stack: the address or its domain is verified by hand
   */
  readonly senderDomain?: string;
}

/**
 * Outgoing mail: the SES configuration set every message is sent with (TLS required,
 * reputation metrics), the sender's domain identity with Easy DKIM when a domain is given,
 * the environment a sending function reads, and the permission to send from the one sender
 * address through that configuration set.
 */
export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly senderEmail: string;
  /** The sender domain's SES identity (Easy DKIM), when MailProps.senderDomain is given. */
  readonly domainIdentity?: ses.EmailIdentity;
  /** What a sending function needs in its environment (SENDER_EMAIL, SES_CONFIGURATION_SET). */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    if (!/^[^@\s]+@[^@\s]+$/.test(props.senderEmail)) {
      throw new Error(`senderEmail must be one address like name@domain, got ${props.senderEmail}`);
    }
    this.senderEmail = props.senderEmail;
    if (props.senderDomain !== undefined) {
      const domain = props.senderEmail.slice(props.senderEmail.indexOf('@') + 1).toLowerCase();
      if (props.senderDomain !== domain) {
        throw new Error(`senderDomain must be the domain of ${props.senderEmail}, got ${props.senderDomain}`);
      }
      this.domainIdentity = new ses.EmailIdentity(this, 'SenderDomain', {
        identity: ses.Identity.domain(props.senderDomain),
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        dkimSigning: true,
      });
    }
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
   * The DNS records SES's Easy DKIM needs, one per line: `<name> CNAME <value>`; empty
   * without a domain identity.
   */
  dkimRecordLines(): string[] {
    return (this.domainIdentity?.dkimRecords ?? []).map((r) => `${r.name} CNAME ${r.value}`);
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
