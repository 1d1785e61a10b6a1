package swap.feed.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Version;
import org.osgi.framework.namespace.IdentityNamespace;
import org.osgi.resource.Capability;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;
import org.osgi.service.repository.ContentNamespace;
import org.osgi.service.repository.Repository;

import aQute.bnd.osgi.repository.ResourcesRepository;
import aQute.bnd.osgi.repository.XMLResourceParser;
import aQute.bnd.osgi.resource.RequirementBuilder;

/**
 * One repository of fixes: an OSGi Repository index (the R5 XML that bnd's indexer writes, plain or
 * gzipped), read with bnd's parser into bnd's implementation of the OSGi {@link Repository}
 * service, and asked for the bundles of a symbolic name.
 */
final class Index {

    /** A bundle the index offers: its version, where its content is, and the content's SHA-256 (or {@code null}). */
    record Offer(String bsn, Version version, URI url, String sha256, URI index) {
    }

    private final URI uri;
    private final Repository repository;

    private Index(URI uri, Repository repository) {
        this.uri = uri;
        this.repository = repository;
    }

    /** Reads the index at {@code uri}. @throws Exception if it cannot be read or parsed */
    static Index read(URI uri) throws Exception {
        List<Resource> resources = XMLResourceParser.getResources(uri);
        return new Index(uri, new ResourcesRepository(resources));
    }

    URI uri() {
        return uri;
    }

    /** @return every bundle of symbolic name {@code bsn} the index offers */
    List<Offer> bundles(String bsn) {
        Requirement r = new RequirementBuilder(IdentityNamespace.IDENTITY_NAMESPACE)
                .addDirective("filter", "(&(" + IdentityNamespace.IDENTITY_NAMESPACE + "=" + escape(bsn) + ")(" + IdentityNamespace.CAPABILITY_TYPE_ATTRIBUTE
                        + "=" + IdentityNamespace.TYPE_BUNDLE + "))")
                .buildSyntheticRequirement();
        List<Offer> l = new ArrayList<>();
        for (Capability c : repository.findProviders(List.of(r)).get(r)) {
            Resource res = c.getResource();
            Object v = c.getAttributes().get(IdentityNamespace.CAPABILITY_VERSION_ATTRIBUTE);
            Version version = v instanceof Version ? (Version) v : Version.parseVersion(String.valueOf(v));
            for (Capability content : res.getCapabilities(ContentNamespace.CONTENT_NAMESPACE)) {
                Map<String, Object> a = content.getAttributes();
                Object url = a.get(ContentNamespace.CAPABILITY_URL_ATTRIBUTE);
                if (url == null) {
                    continue;
                }
                URI u = uri.resolve(String.valueOf(url));
                Object sha = a.get(ContentNamespace.CONTENT_NAMESPACE);
                l.add(new Offer(bsn, version, u, sha == null ? null : String.valueOf(sha), uri));
                break;
            }
        }
        return l;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("*", "\\*").replace("(", "\\(").replace(")", "\\)");
    }
}
