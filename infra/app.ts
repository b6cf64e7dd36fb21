import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './build-app';

const app = new App();
buildApp(app);
// Findings fail the synth; acknowledgements (each with its reason) are in nag-acknowledgements.ts.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
