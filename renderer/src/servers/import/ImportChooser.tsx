import { useState, type ChangeEvent, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import type { Job } from '@shared/api/jobs';
import { IMPORT_FORMATS, IMPORT_MAX_BYTES } from '@shared/api/servers';
import { useMethodMutation } from '../../api/hooks';
import { Field } from '../../ui/Field';
import { formatCount } from '../../ui/format';
import { FORMAT_LABELS, formatForFileName, isImportFormat, type ImportFormat } from './import-format';

interface ImportChooserProps {
  onStarted(job: Job, fileName: string): void;
  onCancel(): void;
}

interface Problems {
  file?: string;
  format?: string;
  other?: { message: string; hint?: string };
}

function problemsFrom(error: AppError): Problems {
  const problems: Problems = {};
  for (const issue of error.issues ?? []) {
    if (issue.path[0] === 'format') problems.format ??= issue.message;
    else problems.file ??= issue.message;
  }
  if (!problems.file && !problems.format) problems.other = { message: error.message, hint: error.hint };
  return problems;
}

/** Step one of an import: pick a file, check its format, start the job. */
export function ImportChooser({ onStarted, onCancel }: ImportChooserProps) {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormat>('json');
  const [watch, setWatch] = useState(true);
  const [reading, setReading] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const start = useMethodMutation('servers.import');
  const busy = reading || start.isPending;

  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0] ?? null;
    setFile(chosen);
    setProblems({});
    if (chosen) setFormat(formatForFileName(chosen.name));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setProblems({ file: 'Choose a file to import' });
    if (file.size > IMPORT_MAX_BYTES) return setProblems({ file: 'The file is larger than 8 MiB' });
    setProblems({});
    setReading(true);
    let content: string;
    try {
      content = await file.text();
    } catch {
      return setProblems({ file: 'The file could not be read. Check that it still exists and try again.' });
    } finally {
      setReading(false);
    }
    start.mutate(
      { format, content, fileName: file.name, monitor: watch },
      { onSuccess: (job) => onStarted(job, file.name), onError: (error) => setProblems(problemsFrom(error)) },
    );
  };

  return (
    <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={busy}>
      {problems.other ? (
        <div className="banner banner--error" role="alert">
          <p>{problems.other.message}</p>
          {problems.other.hint ? <p className="banner__hint">{problems.other.hint}</p> : null}
        </div>
      ) : null}
      <Field
        label="File"
        error={problems.file}
        help={file ? `${file.name} · ${formatCount(file.size)} bytes` : 'JSON, CSV or an OpenSSH config file, up to 8 MiB'}
        testId="import-file"
      >
        {(control) => <input {...control} type="file" className="input input--file" onChange={choose} data-autofocus />}
      </Field>
      <Field label="Format" error={problems.format} help="Picked from the file name; change it if the guess is wrong" testId="import-format">
        {(control) => (
          <select
            {...control}
            className="input select"
            value={format}
            onChange={(event) => {
              if (isImportFormat(event.target.value)) setFormat(event.target.value);
            }}
          >
            {IMPORT_FORMATS.map((value) => (
              <option key={value} value={value}>
                {FORMAT_LABELS[value]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={watch} onChange={(event) => setWatch(event.target.checked)} />
        Watch each new server with a check
      </label>
      <p className="muted">
        {watch
          ? 'A TCP check on its check_port column, or its SSH port; a check_port of none adds no check. Servers updated keep their checks.'
          : 'The servers created will have no check: nothing watches them until you add one.'}
      </p>
      <p className="muted">Rows whose name already exists update that server, so importing a file twice adds nothing new.</p>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={busy || !file}>
          {busy ? 'Starting…' : 'Import'}
        </button>
      </footer>
    </form>
  );
}
