package io.switchboard.attachment;

import io.switchboard.identity.VisitorsMerged;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * A visitor merged into another on signing in: its uploads become the other's, in the same transaction, so
 * one it has not sent yet can still be sent (and an upload retried with its {@code Idempotency-Key} still finds
 * its first attempt). One whose key the other already used keeps its uploader: keys stay unique per uploader.
 */
@ApplicationScoped
class MergedUploads {

    @Inject
    EntityManager em;

    void merged(@Observes VisitorsMerged merge) {
        em.createNativeQuery("""
                update attachment a set uploader_id = ?1
                 where a.uploader_kind = 'visitor' and a.uploader_id = ?2
                   and (a.idempotency_key is null or not exists (select 1 from attachment o
                         where o.uploader_kind = 'visitor' and o.uploader_id = ?1 and o.idempotency_key = a.idempotency_key))""")
                .setParameter(1, merge.into()).setParameter(2, merge.from()).executeUpdate();
    }
}
