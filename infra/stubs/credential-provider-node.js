// Stands in for @aws-sdk/credential-provider-node, the SDK's default credential chain (environment,
// SSO, shared ini files, process, web identity, container and instance metadata). Lambda hands a
// function its role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), and the local runtime sets them the same way, so the chain's first link is
// the only one a tickfan function ever uses. Bundling the rest (~140 KB: STS, SSO and their
// clients) would only add to every cold start's compile time.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init) => fromEnv(init);
