import { EditIcon, TrashIcon } from './icons';

/**
 * A row's edit and delete icon buttons, each named after the row for screen readers ("Edit web-1")
 * and each shown only when the caller may (a handler given): the same pair on every list page.
 */
export function EditDeleteButtons({ name, onEdit, onDelete }: { name: string; onEdit?: (() => void) | undefined; onDelete?: (() => void) | undefined }) {
  return (
    <>
      {onEdit ? (
        <button type="button" className="icon-button" aria-label={`Edit ${name}`} title="Edit" onClick={onEdit}>
          <EditIcon />
        </button>
      ) : null}
      {onDelete ? (
        <button type="button" className="icon-button icon-button--danger" aria-label={`Delete ${name}`} title="Delete" onClick={onDelete}>
          <TrashIcon />
        </button>
      ) : null}
    </>
  );
}
