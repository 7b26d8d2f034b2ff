import { awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-okera-s3-encryption',
  description:
    'CDK constructs and a cdk-nag rule pack that give the Okera worker fleet safe, working access to SSE-S3 and SSE-KMS encrypted S3 data, in one account or across accounts.',
  author: 'cdk-okera-s3-encryption maintainers',
  authorAddress: 'maintainers@cdk-okera.dev',
  repositoryUrl: 'https://github.com/cdk-okera/cdk-okera-s3-encryption',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',

  // aws-cdk-lib 2.262.0 is the first release on which cdk-nag 3 plugins fail synthesis
  // (and it has `blockedEncryptionTypes`, added in 2.245.0). We develop and test on it.
  cdkVersion: '2.262.0',
  constructsVersion: '10.5.1',
  peerDeps: ['cdk-nag@^3.0.2'],
  bundledDeps: ['yaml@^2.8.0'],
  devDeps: [
    '@cloud-copilot/iam-simulate',
    'fast-check@^4',
    'aws-cdk@^2.1144.0',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
  ],
  bin: {
    'okera-encryption-audit': 'lib/cli/audit.js',
  },

  keywords: ['cdk', 'awscdk', 'aws-cdk', 'okera', 's3', 'kms', 'encryption', 'cdk-nag', 'sse-kms', 'cross-account'],

  publishToPypi: {
    distName: 'cdk-okera-s3-encryption',
    module: 'cdk_okera_s3_encryption',
  },
  publishToMaven: {
    javaPackage: 'dev.cdkokera.s3encryption',
    mavenGroupId: 'dev.cdk-okera',
    mavenArtifactId: 'cdk-okera-s3-encryption',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkOkera.S3Encryption',
    packageId: 'CdkOkera.S3Encryption',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-okera/cdk-okera-s3-encryption-go',
  },

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 120_000,
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'benchmarks', 'projenrc', '.projenrc.ts'],
  },
  tsconfigDev: {
    include: ['../examples/**/*.ts', '../benchmarks/**/*.ts'],
  },
  gitignore: ['cdk.out/', 'benchmarks/.out/', '*.integ.snapshot/asset.*'],
});

for (const p of ['/examples/', '/benchmarks/', '/cdk.json', '/.ci/', '/cdk.out/']) {
  project.addPackageIgnore(p);
}

// Type-check tests, examples and benchmarks too (ts-jest only transpiles them).
project.testTask.prependSpawn(project.addTask('typecheck', {
  description: 'Type-check src, test, examples and benchmarks',
  exec: 'tsc --noEmit -p test/tsconfig.json',
}));

// The example app: `npx cdk synth` reads cdk.json.
project.addTask('synth:example', {
  description: 'Synthesize the two-account example app (no AWS credentials needed)',
  exec: 'cdk synth --quiet',
  env: { AWS_REGION: 'us-east-1' },
});

project.addTask('bench', {
  description: 'Scale and synth-time benchmark against plain CDK; writes benchmarks/RESULTS.md',
  exec: 'ts-node --project test/tsconfig.json benchmarks/run.ts',
});

project.synth();
