import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliInTempDir } from './cli-runner.js';

const { dir, run } = cliInTempDir('afterword-cli-rerun-');

describe('CLI: afterword rerun JOB_ID --from STEP', () => {
  let jobId = '';

  test('a processed closure is re-run from a step; the job shows that step run again', () => {
    const file = join(dir, 'session.json');
    const turns = [{ turnId: 't1', speaker: 'gm', text: 'Harrowgate was ravaged by the storm.' }];
    writeFileSync(file, JSON.stringify({ sessionId: 'cli-rerun-1', turns }));
    const imported = run('--json', 'import', file, '--close');
    assert.equal(imported.code, 0, imported.stderr);
    jobId = JSON.parse(imported.stdout).closureJob.jobId;
    assert.equal(run('worker', '--until-idle').code, 0);
    const rerun = run('rerun', jobId, '--from', 'reconcile', '--by', 'ops-cli');
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, new RegExp(`job ${jobId} queued again from step reconcile`));
    assert.equal(run('worker', '--until-idle').code, 0);
    const timeline = JSON.parse(run('--json', 'job', jobId).stdout);
    assert.equal(timeline.job.status, 'completed');
    assert.deepEqual(timeline.steps.map((s: { step: string; attempt: number }) => [s.step, s.attempt]).slice(-2), [
      ['publish-prep', 1],
      ['reconcile', 2],
    ]);
  });

  test('a step the workflow does not have: exit 2, one line naming the field', () => {
    const out = run('rerun', jobId, '--from', 'no-such-step');
    assert.equal(out.code, 2);
    assert.match(out.stderr, /step/);
    assert.equal(out.stderr.trim().split('\n').length, 1);
  });

  test('an unknown job: exit 2; no --from: exit 2', () => {
    assert.equal(run('rerun', 'no-such-job', '--from', 'reconcile').code, 2);
    assert.equal(run('rerun', jobId).code, 2);
  });
});
