// The fake GitHub for bench/gist.ts, in a process of its own (it holds every uploaded chunk as a
// string: kept out of the benchmark client's heap). Talks to the parent over IPC.
import { startFakeGitHub, type FakeGitHub } from '../test/fakes/github.js';

const tokens = JSON.parse(process.env.FAKE_GITHUB_TOKENS ?? '{}') as Record<string, { login: string; scopes: string[] | null }>;
const fake: FakeGitHub = await startFakeGitHub({ recordBodies: false, tokens });

process.on('message', (message: { id: number; count?: Parameters<FakeGitHub['count']>[0]; close?: true }) => {
  if (message.close) {
    void fake.close().then(() => process.exit(0));
    return;
  }
  process.send!({ id: message.id, value: fake.count(message.count) });
});
process.send!({ url: fake.url });
