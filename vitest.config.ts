import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests and the processes they spawn run on Node 20 on purpose (see README); the AWS SDK's
    // notice that its 2027 releases will need Node 22 is for the person, not for every test run.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores do best with two forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
