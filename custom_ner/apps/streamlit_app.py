"""Streamlit demo: the base en_core_web_sm and en_custom_ner side by side.

Run by streamlit, never imported: `python -m spacy project run demo` (scripts/demo.py,
custom_ner/apps/demo.py) starts it; the models come from CUSTOM_NER_DEMO_BASE and
CUSTOM_NER_DEMO_CUSTOM (package names or directories).
"""
import pandas as pd
import streamlit as st
from spacy_streamlit import visualize_ner

from custom_ner.apps.demo import EXAMPLE, MAX_CHARS, entity_rows, manual_doc, models, title
from custom_ner.apps.engines import keep_confident_ents
from custom_ner.data.labels import LABEL_COLORS
from custom_ner.loading import load_pipeline, model_labels


@st.cache_resource(show_spinner="Loading model ...")
def load(name: str):
    return load_pipeline(name)


st.set_page_config(page_title="en_custom_ner demo", layout="wide")
st.title("en_custom_ner: PERSON, ORG, LOC, MISC and TICKER")
st.caption("The base en_core_web_sm (OntoNotes labels) next to en_custom_ner. "
           "Linked tickers show their exchange:symbol and link to a quote page.")
text = st.text_area("Text", EXAMPLE, height=140, max_chars=MAX_CHARS)
min_confidence = st.slider("Hide entities scored below", 0.0, 1.0, 0.0, 0.05,
                           help="en_custom_ner's calibrated confidence (ent._.confidence): "
                                "of the entities scored 0.8, about 80 % are right")

for column, (role, name) in zip(st.columns(2), models()):
    with column:
        try:
            nlp = load(name)
        except Exception as err:  # noqa: BLE001  show why, keep the other column working
            st.header(f"{role}: {name}")
            st.error(f"Could not load {name}: {err}")
            continue
        doc = nlp(text)
        keep_confident_ents(doc, min_confidence)
        labels = sorted(set(model_labels(nlp)) | {e.label_ for e in doc.ents})
        visualize_ner([manual_doc(doc)], labels=labels, show_table=False, title=title(role, nlp), key=name, manual=True,
                      displacy_options={"colors": LABEL_COLORS})
        rows = entity_rows(doc)
        st.subheader(f"{len(rows)} entities")
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                         column_config={"link": st.column_config.LinkColumn("link", display_text="quote")})
        else:
            st.write("No entities found.")
