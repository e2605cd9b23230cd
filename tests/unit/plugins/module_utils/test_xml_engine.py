# -*- coding: utf-8 -*-
"""Table-driven tests of the byte-faithful XML engine (pure functions, no Ansible)."""

import glob
import os

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import (
    Edit,
    Step,
    XmlDocument,
    XmlEditError,
    XmlParseError,
    edit_bytes,
    parse_path,
    xpath_literal,
)
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.lexer import lex

from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.carbon_fixtures import (
    CARBON as FIXTURES,
    VERSIONS,
    as_shipped,
    shipped as fixture,
)

ALL_FIXTURES = sorted(glob.glob(os.path.join(FIXTURES, '*', 'repository', 'conf', '**', '*.xml'), recursive=True))
CARBON_NS = 'http://wso2.org/projects/carbon/carbon.xml'


def edit(data, *edits):
    return edit_bytes(data, list(edits))[1]


def changed_lines(before, after):
    """Lines of ``before`` that are not in ``after`` and vice versa (as sets of stripped text)."""
    import difflib
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line for line in diff if line[:2] in ('- ', '+ ')]


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('path, absolute, steps', [
    ('/Server/Ports/Offset', True, ['Server', 'Ports', 'Offset']),
    ('Ports/Offset', False, ['Ports', 'Offset']),
    ("/axisconfig/clustering/parameter[@name='domain']", True, ['axisconfig', 'clustering', "parameter[@name='domain']"]),
    ("/a/datasource[name='WSO2AM_DB']/definition[@type='RDBMS']", True, ['a', "datasource[name='WSO2AM_DB']", "definition[@type='RDBMS']"]),
    ("/wso2registry/mount[@path='/_system/config']", True, ['wso2registry', "mount[@path='/_system/config']"]),
    ('/r/m[@a="x\'y"][b=\'2\']', True, ['r', "m[@a='x'y'][b='2']"]),
])
def test_parse_path(path, absolute, steps):
    got_absolute, got_steps = parse_path(path)
    assert got_absolute is absolute
    assert [repr(s) for s in got_steps] == steps


@pytest.mark.parametrize('path, message', [
    ('', 'non-empty'),
    ('//Server', 'descendant'),
    ('/Server/Ports[', 'unbalanced'),
    ("/Server/x[@a='1'", 'unbalanced'),
    ('/Server/Po rts', 'invalid step'),
    ('/Server/x[@a=1]', 'invalid predicate'),
    ('/Server//Offset', 'invalid step'),
])
def test_parse_path_rejects(path, message):
    with pytest.raises(XmlEditError, match=message):
        parse_path(path)


@pytest.mark.parametrize('value, quoted', [('a', "'a'"), ("it's", '"it\'s"')])
def test_xpath_literal(value, quoted):
    assert xpath_literal(value) == quoted


def test_xpath_literal_rejects_both_quotes():
    with pytest.raises(XmlEditError):
        xpath_literal('a\'b"c')


# ---------------------------------------------------------------------------
# Parsing keeps every byte
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('path', ALL_FIXTURES, ids=lambda p: os.path.relpath(p, FIXTURES))
def test_fixture_round_trip_is_byte_identical(path):
    with open(path, 'rb') as handle:
        data = as_shipped(path, handle.read())
    assert XmlDocument(data, path).render() == data


@pytest.mark.parametrize('data', [
    (b'<?xml version="1.0"?>\n<!DOCTYPE r [\n  <!ENTITY e "x">\n  <!-- a > b -->\n]>\n'
     b'<r a=\'1\'  b = "2" >&e;&amp;&#65;<![CDATA[<raw>]]><?pi x?><!--c--></r>\n<!-- after -->\n'),
    b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><r/>',
    b'<r>\r\n  <a>1</a>\r\n</r>\r\n',
    b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<r>Z\xfcrich</r>',
    b'<r xmlns="urn:x" xmlns:p="urn:p"><p:a p:b="1"/>\t<c\n   d="&quot;&apos;"/></r>',
])
def test_odd_documents_round_trip(data):
    assert XmlDocument(data).render() == data


def test_lex_reports_markup_in_order():
    kinds = [t[0] for t in lex('<?xml version="1.0"?><a x=">"><!--<b>--><![CDATA[<c>]]><d/></a>')]
    assert kinds == ['pi', 'start', 'comment', 'cdata', 'start', 'end']


# ---------------------------------------------------------------------------
# Edits on small documents: input, edits, expected output
# ---------------------------------------------------------------------------

DOC = b'''<?xml version="1.0" encoding="ISO-8859-1"?>
<Server xmlns="http://wso2.org/projects/carbon/carbon.xml">
    <!--HostName>www.wso2.org</HostName-->
    <!--MgtHostName>mgt.wso2.org</MgtHostName-->
    <Ports>
        <Offset>0</Offset>
    </Ports>
</Server>
'''

EDIT_CASES = [
    ('value in place', DOC, [Edit.value_of('/Server/Ports/Offset', 2)],
     DOC.replace(b'<Offset>0<', b'<Offset>2<')),
    ('relative path', DOC, [Edit.value_of('Ports/Offset', 3)],
     DOC.replace(b'<Offset>0<', b'<Offset>3<')),
    ('created after its commented-out template',
     DOC, [Edit.value_of('/Server/HostName', 'h1')],
     DOC.replace(b'</HostName-->\n', b'</HostName-->\n    <HostName>h1</HostName>\n')),
    ('path created with indentation of its level',
     DOC, [Edit.value_of('/Server/Ports/JMX/RMIServerPort', 11111)],
     DOC.replace(b'<Offset>0</Offset>\n', b'<Offset>0</Offset>\n        <JMX>\n            <RMIServerPort>11111</RMIServerPort>\n        </JMX>\n')),
    ('no template: after the last sibling of the same name',
     b'<r>\n  <a>1</a>\n  <b/>\n  <a>2</a>\n  <c/>\n</r>', [Edit.value_of("/r/a[@k='x']", 'v')],
     b'<r>\n  <a>1</a>\n  <b/>\n  <a>2</a>\n  <a k="x">v</a>\n  <c/>\n</r>'),
    ('no template, no sibling: end of the parent',
     b'<r>\n\t<a/>\n\t<!-- last -->\n</r>', [Edit.value_of('/r/z', 'v')],
     b'<r>\n\t<a/>\n\t<!-- last -->\n\t<z>v</z>\n</r>'),
    ('empty parent: one level deeper than the parent',
     b'<r>\n  <p>\n    <q/>\n  </p>\n</r>', [Edit.value_of('/r/p/q/z', 'v')],
     b'<r>\n  <p>\n    <q>\n      <z>v</z>\n    </q>\n  </p>\n</r>'),
    ('predicate child created with the element',
     b'<d>\n    <s>\n        <name>A</name>\n    </s>\n</d>', [Edit.value_of("/d/s[name='B']/url", 'u')],
     b'<d>\n    <s>\n        <name>A</name>\n    </s>\n    <s>\n        <name>B</name>\n        <url>u</url>\n    </s>\n</d>'),
    ('template matching the predicate wins over the last sibling',
     b'<c>\n  <p name="a">1</p>\n  <!--<p name="m">2</p>-->\n  <p name="b">3</p>\n</c>', [Edit.value_of("/c/p[@name='m']", '9')],
     b'<c>\n  <p name="a">1</p>\n  <!--<p name="m">2</p>-->\n  <p name="m">9</p>\n  <p name="b">3</p>\n</c>'),
    ('attribute changed inside a multi-line attribute list',
     b'<a>\n    <c class="x"\n       enable="false">\n    </c>\n</a>', [Edit.attributes_of('/a/c', {'enable': True})],
     b'<a>\n    <c class="x"\n       enable="true">\n    </c>\n</a>'),
    ('attribute added keeps the separator of the list',
     b'<a>\n    <c class="x"\n       enable="false"/>\n</a>', [Edit.attributes_of('/a/c', {'port': 4000})],
     b'<a>\n    <c class="x"\n       enable="false"\n       port="4000"/>\n</a>'),
    ('untouched attribute keeps its entity spelling',
     b'<r><c a="&#65;&gt;" b="1"/></r>', [Edit.attributes_of('/r/c', {'b': 2})],
     b'<r><c a="&#65;&gt;" b="2"/></r>'),
    ('attribute removed, single quotes kept on the others',
     b"<a><c x='1' y='2' z='3'/></a>", [Edit.attributes_of('/a/c', {'y': None, 'z': "it's"})],
     b"<a><c x='1' z='it&apos;s'/></a>"),
    ('absent removes the element and its line',
     b'<r>\n  <a/>\n  <b>1</b>\n  <c/>\n</r>', [Edit.absent('/r/b')],
     b'<r>\n  <a/>\n  <c/>\n</r>'),
    ('absent of the last child keeps the closing indentation',
     b'<r>\n  <a/>\n  <b/>\n</r>', [Edit.absent('/r/b')],
     b'<r>\n  <a/>\n</r>'),
    ('absent removes every match, missing is fine',
     b'<r>\n  <b/>\n  <b/>\n  <a/>\n</r>', [Edit.absent('/r/b'), Edit.absent('/r/nothing/here')],
     b'<r>\n  <a/>\n</r>'),
    ('self-closing element gets a value',
     b'<r>\n  <a x="1"/>\n</r>', [Edit.value_of('/r/a', 'v')],
     b'<r>\n  <a x="1">v</a>\n</r>'),
    ('text is escaped',
     b'<r><a>x</a></r>', [Edit.value_of('/r/a', 'a<b & c>d')],
     b'<r><a>a&lt;b &amp; c&gt;d</a></r>'),
    ('present only ensures the element',
     b'<r>\n  <a/>\n</r>', [Edit.present('/r/b'), Edit.present('/r/b')],
     b'<r>\n  <a/>\n  <b/>\n</r>'),
    ('prefixed namespace step',
     b'<r xmlns:p="urn:p">\n  <p:a>1</p:a>\n</r>', [Edit.value_of('/r/p:a', '2'), Edit.value_of('/r/p:b', '3')],
     b'<r xmlns:p="urn:p">\n  <p:a>2</p:a>\n  <p:b>3</p:b>\n</r>'),
    ('default namespace bound, new element unprefixed',
     b'<S xmlns="urn:s">\n  <a>1</a>\n</S>', [Edit.value_of('/S/b', '2')],
     b'<S xmlns="urn:s">\n  <a>1</a>\n  <b>2</b>\n</S>'),
    ('CRLF file: new lines are CRLF too',
     b'<r>\r\n    <a>1</a>\r\n</r>\r\n', [Edit.value_of('/r/b/c', '2')],
     b'<r>\r\n    <a>1</a>\r\n    <b>\r\n        <c>2</c>\r\n    </b>\r\n</r>\r\n'),
    ('ISO-8859-1: Latin-1 value written as one byte, others as character references',
     b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<r><a/></r>', [Edit.value_of('/r/a', u'Z\u00fcrich \u20ac')],
     b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<r><a>Z\xfcrich &#8364;</a></r>'),
    ('bool values are lower case',
     b'<r><a>false</a></r>', [Edit.value_of('/r/a', True)],
     b'<r><a>true</a></r>'),
]


@pytest.mark.parametrize('name, before, edits, expected', EDIT_CASES, ids=[c[0] for c in EDIT_CASES])
def test_edit(name, before, edits, expected):
    after = edit(before, *edits)
    assert after == expected
    # applying the same edits again changes nothing, byte for byte
    assert edit(after, *edits) == after


CHILDREN_BEFORE = b'''<clustering>
        <members>
            <member>
                <hostName>127.0.0.1</hostName>
                <port>4000</port>
            </member>
        </members>
</clustering>'''

CHILDREN_CASES = [
    ('exclusive replaces the default member',
     [{'hostName': '10.0.0.1', 'port': 4000}, {'hostName': '10.0.0.2', 'port': 4001}], True,
     b'''<clustering>
        <members>
            <member>
                <hostName>10.0.0.1</hostName>
                <port>4000</port>
            </member>
            <member>
                <hostName>10.0.0.2</hostName>
                <port>4001</port>
            </member>
        </members>
</clustering>'''),
    ('exclusive keeps a listed member in place',
     [{'hostName': '127.0.0.1', 'port': 4000}, {'hostName': '10.0.0.9', 'port': 4000}], True,
     CHILDREN_BEFORE.replace(b'            </member>\n', b'''            </member>
            <member>
                <hostName>10.0.0.9</hostName>
                <port>4000</port>
            </member>
''')),
    ('exclusive with no items empties the list',
     [], True, b'<clustering>\n        <members>\n        </members>\n</clustering>'),
    ('non-exclusive keeps unlisted members',
     [{'hostName': '10.0.0.1', 'port': 4000}], False,
     CHILDREN_BEFORE.replace(b'            </member>\n', b'''            </member>
            <member>
                <hostName>10.0.0.1</hostName>
                <port>4000</port>
            </member>
''')),
]


@pytest.mark.parametrize('name, items, exclusive, expected', CHILDREN_CASES, ids=[c[0] for c in CHILDREN_CASES])
def test_keyed_children(name, items, exclusive, expected):
    edits = [Edit.children_of('/clustering/members', 'member', ['hostName', 'port'], items, exclusive=exclusive)]
    after = edit(CHILDREN_BEFORE, *edits)
    assert after == expected
    assert edit(after, *edits) == after


def test_keyed_children_by_attribute_updates_other_fields():
    before = b'<p>\n  <property name="a" value="1"/>\n  <property name="b" value="2"/>\n</p>'
    edits = [Edit.children_of('/p', 'property', '@name', [{'@name': 'b', '@value': '3'}, {'@name': 'c', '@value': '4'}])]
    assert edit(before, *edits) == (b'<p>\n  <property name="a" value="1"/>\n  <property name="b" value="3"/>\n'
                                    b'  <property name="c" value="4"/>\n</p>')


def test_keyed_children_missing_key_field():
    with pytest.raises(XmlEditError, match='lacks key'):
        edit(CHILDREN_BEFORE, Edit.children_of('/clustering/members', 'member', ['hostName'], [{'port': 1}]))


def test_keyed_children_duplicate_key_without_exclusive_is_ambiguous():
    before = b'<m><e><k>a</k></e><e><k>a</k></e></m>'
    with pytest.raises(XmlEditError, match='2 <e> children have the key'):
        edit(before, Edit.children_of('/m', 'e', 'k', [{'k': 'a', 'v': '1'}]))
    # exclusive collapses duplicates onto the first one
    assert edit(before, Edit.children_of('/m', 'e', 'k', [{'k': 'a'}], exclusive=True)) == b'<m><e><k>a</k></e></m>'


# ---------------------------------------------------------------------------
# Version fixtures: placement in the real layouts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('version', VERSIONS)
def test_hostname_goes_after_its_template(version):
    before = fixture(version, 'carbon.xml')
    after = edit(before, Edit.value_of('/Server/HostName', 'apim.dc1.example.com'))
    assert b'    <!--HostName>www.wso2.org</HostName-->\n    <HostName>apim.dc1.example.com</HostName>\n' in after
    assert changed_lines(before.decode('latin-1'), after.decode('latin-1')) == ['+     <HostName>apim.dc1.example.com</HostName>']
    assert after.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n')


@pytest.mark.parametrize('version, template', [
    ('1.9.0', True), ('1.10.0', False), ('2.1.0', False), ('2.6.0', False),
])
def test_deployment_synchronizer_block(version, template):
    before = fixture(version, 'carbon.xml')
    base = '/Server/DeploymentSynchronizer/'
    after = edit(before, Edit.value_of(base + 'Enabled', True), Edit.value_of(base + 'AutoCommit', True),
                 Edit.value_of(base + 'SvnUrl', 'http://svn.dc1/repos/apim/'))
    text = after.decode('latin-1')
    doc = XmlDocument(after)
    assert len(doc.find('/Server/DeploymentSynchronizer')) == 1
    assert [e.text for e in doc.find(base + 'Enabled')] == ['true']
    if template:
        # created right after the commented-out SVN template, the registry template stays below
        svn_template_end = text.index('</DeploymentSynchronizer>-->')
        block = text.index('\n    <DeploymentSynchronizer>\n        <Enabled>true</Enabled>\n'
                           '        <AutoCommit>true</AutoCommit>\n        <SvnUrl>http://svn.dc1/repos/apim/</SvnUrl>\n'
                           '    </DeploymentSynchronizer>\n')
        assert svn_template_end < block < text.index('"registry based"')
    else:
        assert len(changed_lines(before.decode('latin-1'), text)) == 6


@pytest.mark.parametrize('version', VERSIONS)
def test_clustering_enable_keeps_multiline_start_tag(version):
    before = fixture(version, 'axis2/axis2.xml')
    after = edit(before, Edit.attributes_of('/axisconfig/clustering', {'enable': 'true'}))
    assert (b'<clustering class="org.wso2.carbon.core.clustering.hazelcast.HazelcastClusteringAgent"\n'
            b'                enable="true">') in after
    assert after.replace(b'enable="true">', b'enable="false">', 1) == before
    assert b'Z\xfcrich' in after  # the Latin-1 byte in the header comment is untouched


@pytest.mark.parametrize('version', VERSIONS)
def test_registry_mount_keeps_crlf(version):
    before = fixture(version, 'registry.xml')
    after = edit(before, Edit.children_of('/wso2registry', 'mount', '@path', [
        {'@path': '/_system/governance', '@overwrite': 'true', 'instanceId': 'gov', 'targetPath': '/_system/governance'}]))
    assert after.count(b'\n') == after.count(b'\r\n')
    assert (b'    </mount-->\r\n    <mount path="/_system/governance" overwrite="true">\r\n        <instanceId>gov</instanceId>\r\n'
            b'        <targetPath>/_system/governance</targetPath>\r\n    </mount>\r\n') in after


@pytest.mark.parametrize('version', VERSIONS)
def test_new_datasource_after_last_datasource_not_after_sample(version):
    before = fixture(version, 'datasources/master-datasources.xml')
    path = "/datasources-configuration/datasources/datasource[name='WSO2REG_DB']"
    after = edit(before, Edit.value_of(path + '/jndiConfig/name', 'jdbc/WSO2REG_DB'),
                 Edit.value_of(path + "/definition[@type='RDBMS']/configuration/url", 'jdbc:mysql://db/reg'))
    text = after.decode('utf-8')
    assert text.index('<name>WSO2REG_DB</name>') < text.index('<!--datasource>')
    assert ('        <datasource>\n            <name>WSO2REG_DB</name>\n            <jndiConfig>\n'
            '                <name>jdbc/WSO2REG_DB</name>\n            </jndiConfig>\n'
            '            <definition type="RDBMS">\n                <configuration>\n'
            '                    <url>jdbc:mysql://db/reg</url>\n                </configuration>\n'
            '            </definition>\n        </datasource>\n') in text


def test_commented_datasource_of_the_same_name_is_the_template():
    before = fixture('1.10.0', 'datasources/master-datasources.xml')
    after = edit(before, Edit.present("/datasources-configuration/datasources/datasource[name='WSO2_SOCIAL_DB']"))
    assert b'        </datasource-->\n        <datasource>\n            <name>WSO2_SOCIAL_DB</name>\n        </datasource>\n' in after


# ---------------------------------------------------------------------------
# Errors: clear message, nothing rendered
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('data, line, column', [
    (b'<r>\n  <a>\n</r>', 3, 5),
    (b'<r>\n  <a x="1" x="2"/>\n</r>', 2, 17),
    (b'', 1, 1),
    (b'<r>&nope;</r>', 1, 10),
])
def test_malformed_xml_reports_line_and_column(data, line, column):
    with pytest.raises(XmlParseError) as info:
        XmlDocument(data, 'f.xml')
    assert info.value.line == line
    assert info.value.column == column
    assert 'f.xml: malformed XML at line %d, column %d' % (line, column) in str(info.value)


@pytest.mark.parametrize('data, edits, message', [
    (b'<r><a/><a/></r>', [Edit.value_of('/r/a', 'x')], r'ambiguous: step a matches 2 elements: /r/a \(line 1\), /r/a \(line 1\)'),
    (b'<r><a><b/></a><a/></r>', [Edit.value_of('/r/a/b', 'x')], 'ambiguous'),
    (b'<r><a><b/></a></r>', [Edit.value_of('/r/a', 'x')], 'has child nodes'),
    (b'<r/>', [Edit.value_of('/Server/HostName', 'x')], 'document root is <r>'),
    (b'<r>text</r>', [Edit.value_of('/r/a', 'x')], 'holds text'),
    (b'<r/>', [Edit.value_of('/r/q:a', 'x')], "prefix 'q' is not declared"),
    (b'<r><a/></r>', [Edit.absent('/r')], 'cannot remove the document root'),
])
def test_bad_edits_fail_clearly(data, edits, message):
    with pytest.raises(XmlEditError, match=message):
        edit(data, *edits)


def test_file_that_does_not_round_trip_is_refused():
    # declared ISO-8859-1 but UTF-16 bytes cannot be re-encoded identically: lxml fails or we refuse
    with pytest.raises(XmlEditError):
        XmlDocument(u'<?xml version="1.0" encoding="UTF-16"?><r/>'.encode('utf-16-be'))


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------

def test_secret_element_text_is_masked_old_and_new_and_nothing_else():
    data = fixture('2.6.0', 'carbon.xml')
    doc, after = edit_bytes(data, [Edit.value_of('/Server/DeploymentSynchronizer/SvnPassword', 's3<cr&t', secret=True)])
    assert b'<SvnPassword>s3&lt;cr&amp;t</SvnPassword>' in after
    before_text, after_text = doc.diff_texts()
    assert before_text == data.decode('latin-1').replace('<SvnPassword>password<', '<SvnPassword>********<')
    assert after_text == after.decode('latin-1').replace('s3&lt;cr&amp;t', '********')
    assert all('s3' not in c for c in doc.changes)


def test_secret_in_a_new_element_and_in_attributes_is_masked():
    edits = [Edit.value_of('/r/p', 'pw1', secret=True), Edit.attributes_of('/r/a', {'k': 'pw2'}, secret=True)]
    doc, after = edit_bytes(b'<r>\n  <a k="old"/>\n</r>', edits)
    before_text, after_text = doc.diff_texts()
    assert before_text == '<r>\n  <a k="********"/>\n</r>'
    assert after_text == '<r>\n  <a k="********"/>\n  <p>********</p>\n</r>'
    assert after == b'<r>\n  <a k="pw2"/>\n  <p>pw1</p>\n</r>'


def test_changes_describe_created_and_set_elements():
    doc, dummy = edit_bytes(fixture('2.6.0', 'carbon.xml'), [Edit.value_of('/Server/HostName', 'h'),
                                                             Edit.value_of('/Server/Ports/Offset', 0)])
    assert doc.changes == ['created /Server/HostName', "set /Server/HostName to 'h'"]


def test_step_repr():
    assert repr(Step('a', [(True, 'x', '1'), (False, 'y', '2')])) == "a[@x='1'][y='2']"
    assert XmlDocument(DOC).default_ns == CARBON_NS
