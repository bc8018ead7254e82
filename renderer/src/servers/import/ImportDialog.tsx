import { useState } from 'react';
import { useSeedJob } from '../../jobs/use-job';
import { Dialog } from '../../ui/Dialog';
import { ImportChooser } from './ImportChooser';
import { ImportProgress } from './ImportProgress';

type Step = { step: 'choose' } | { step: 'job'; jobId: string; fileName: string };

/** Import servers from a file: choose it, follow the job, read the summary. */
export function ImportDialog({ onClose }: { onClose(): void }) {
  const [state, setState] = useState<Step>({ step: 'choose' });
  const seedJob = useSeedJob();

  return (
    <Dialog
      title="Import servers"
      description="From JSON, CSV or an OpenSSH config file such as ~/.ssh/config."
      onClose={onClose}
      size="large"
      testId="import-dialog"
    >
      {state.step === 'choose' ? (
        <ImportChooser
          onCancel={onClose}
          onStarted={(job, fileName) => {
            seedJob(job);
            setState({ step: 'job', jobId: job.id, fileName });
          }}
        />
      ) : (
        <ImportProgress key={state.jobId} jobId={state.jobId} fileName={state.fileName} onAgain={() => setState({ step: 'choose' })} onClose={onClose} />
      )}
    </Dialog>
  );
}
