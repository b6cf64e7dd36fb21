import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV } from '../../shared/util/env';
import type { OpsAlerts } from './ops-alerts';

/**
 * The account's SES reputation at which AWS places it under review: a bounce rate of 5 % and a
 * complaint rate of 0.1 % (SES Developer Guide, "Reputation metrics messages"); at 10 % and
 * 0.5 % it may pause the account's sending (AWS re:Post, "Why is my Amazon SES sending account
 * under review or paused?"). `Reputation.BounceRate` and `Reputation.ComplaintRate` are
 * fractions from 0 to 1 (SES Developer Guide, "Creating reputation monitoring alarms using
 * CloudWatch").
 */
export const SES_REVIEW_BOUNCE_RATE = 0.05;
export const SES_REVIEW_COMPLAINT_RATE = 0.001;

/**
 * The reputation alarms fire at half the review levels (2.5 % bounces, 0.05 % complaints):
 * early enough to find and fix the directory's bad addresses before AWS reviews the account,
 * since a paused account sends no task, reminder or invitation to anyone.
 */
export const BOUNCE_RATE_ALARM = SES_REVIEW_BOUNCE_RATE / 2;
export const COMPLAINT_RATE_ALARM = SES_REVIEW_COMPLAINT_RATE / 2;

/** SES's account-level reputation metric (no dimension: the rate AWS reviews). */
function reputationMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/SES',
    metricName,
    statistic: 'Maximum',
    period: Duration.minutes(15),
  });
}

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
  /** Where the bounce-rate and complaint-rate alarms go. */
  readonly alerts: OpsAlerts;
}

/**
 * Outgoing mail: the SES configuration set every message is sent with (TLS required,
 * reputation metrics), the sender's domain identity with Easy DKIM when a domain is given,
 * the environment a sending function reads, the permission to send from the one sender
 * address through that configuration set, and alarms on the account's bounce and complaint
 * rates.
 */
export class Mail extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly senderEmail: string;
  /** The sender domain's SES identity (Easy DKIM), when MailProps.senderDomain is given. */
  readonly domainIdentity?: ses.EmailIdentity;
  /** What a sending function needs in its environment (SENDER_EMAIL, SES_CONFIGURATION_SET). */
  readonly environment: Readonly<Record<string, string>>;
  readonly bounceRateAlarm: cloudwatch.Alarm;
  readonly complaintRateAlarm: cloudwatch.Alarm;

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

    const percent = (rate: number) => `${+(rate * 100).toFixed(3)} %`;
    const account = `SES account of ${Stack.of(this).stackName}`;
    this.bounceRateAlarm = props.alerts.alarm(this, 'BounceRateAlarm', {
      metric: reputationMetric('Reputation.BounceRate'),
      threshold: BOUNCE_RATE_ALARM,
      description:
        `The ${account} has a bounce rate of ${percent(BOUNCE_RATE_ALARM)} or more; AWS reviews the account at ` +
        `${percent(SES_REVIEW_BOUNCE_RATE)} and may pause all sending at 10 %. The coordinator corrects the directory's ` +
        'addresses that bounce (contacts marked unreachable, EMAIL_BOUNCED on the timelines); ops watches the SES reputation page.',
    });
    this.complaintRateAlarm = props.alerts.alarm(this, 'ComplaintRateAlarm', {
      metric: reputationMetric('Reputation.ComplaintRate'),
      threshold: COMPLAINT_RATE_ALARM,
      description:
        `The ${account} has a complaint rate of ${percent(COMPLAINT_RATE_ALARM)} or more; AWS reviews the account at ` +
        `${percent(SES_REVIEW_COMPLAINT_RATE)} and may pause all sending at 0.5 %. Recipients marked Bashkë mail as spam: the ` +
        'coordinator asks the organisations concerned (contacts marked unreachable) to accept it or to name other contacts.',
    });
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
